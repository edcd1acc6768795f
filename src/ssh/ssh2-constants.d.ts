/** ssh2's lists of the algorithms it implements (not part of its typed API, but exported by the file). */
declare module 'ssh2/lib/protocol/constants.js' {
  const constants: {
    SUPPORTED_KEX: string[];
    SUPPORTED_SERVER_HOST_KEY: string[];
    SUPPORTED_CIPHER: string[];
    SUPPORTED_MAC: string[];
    SUPPORTED_COMPRESSION: string[];
    DEFAULT_KEX: string[];
    DEFAULT_SERVER_HOST_KEY: string[];
    DEFAULT_CIPHER: string[];
    DEFAULT_MAC: string[];
  };
  export default constants;
}
