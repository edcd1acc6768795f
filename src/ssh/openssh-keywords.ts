/**
 * The keywords OpenSSH's client knows (readconf.c, with the ones it still accepts as deprecated
 * and the GSSAPI ones distributions patch in). eic reads the same files as ssh does: a keyword
 * here that eic does not use is someone else's business and passes quietly; one that is not
 * here is a typo, and gets OpenSSH's "Bad configuration option" (as a warning).
 */
const KEYWORDS = `
host match hostname user port identityfile identitiesonly identityagent certificatefile connecttimeout connectionattempts
serveraliveinterval serveralivecountmax stricthostkeychecking userknownhostsfile globalknownhostsfile localforward remoteforward
dynamicforward requesttty forwardagent forwardx11 forwardx11trusted forwardx11timeout setenv sendenv compression ciphers macs
kexalgorithms hostkeyalgorithms hostkeyalias loglevel logverbose proxycommand proxyjump proxyusefdpass controlmaster controlpath
controlpersist batchmode bindaddress bindinterface canonicaldomains canonicalizefallbacklocal canonicalizehostname
canonicalizemaxdots canonicalizepermittedcnames casignaturealgorithms checkhostip clearallforwardings enableescapecommandline
enablesshkeysign escapechar exitonforwardfailure fingerprinthash forkafterauthentication gatewayports gssapiauthentication
gssapidelegatecredentials gssapikeyexchange gssapiclientidentity gssapiserveridentity gssapirenewalforcesrekey gssapitrustdns
gssapikexalgorithms hashknownhosts hostbasedacceptedalgorithms hostbasedauthentication hostbasedkeytypes pubkeyacceptedalgorithms
pubkeyacceptedkeytypes ignoreunknown include ipqos kbdinteractiveauthentication kbdinteractivedevices knownhostscommand
localcommand nohostauthenticationforlocalhost numberofpasswordprompts passwordauthentication permitlocalcommand permitremoteopen
pkcs11provider preferredauthentications pubkeyauthentication rekeylimit remotecommand revokedhostkeys securitykeyprovider
sessiontype stdinnull streamlocalbindmask streamlocalbindunlink tcpkeepalive tunnel tunneldevice updatehostkeys verifyhostkeydns
visualhostkey xauthlocation addkeystoagent addressfamily challengeresponseauthentication obscurekeystroketiming requiredrsasize
channeltimeout tag refuseconnection warnweakcrypto versionaddendum protocol useprivilegedport rhostsauthentication
rhostsrsaauthentication rsaauthentication cipher compressionlevel fallbacktorsh usersh usekeychain pubkeyauthoptions
smartcarddevice skeyauthentication tisauthentication kerberosauthentication kerberostgtpassing afstokenpassing dsaauthentication
`;

const SET = new Set(KEYWORDS.split(/\s+/).filter(Boolean));

/** `keyword` in lower case. */
export function isOpenSshKeyword(keyword: string): boolean {
  return SET.has(keyword);
}
