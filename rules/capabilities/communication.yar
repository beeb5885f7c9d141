/*
 * communication.yar - flowgate capability rules: talking over the network (sockets, HTTP,
 * DNS, TLS).  Every rule in a communication/ namespace makes `flowgate analyze` answer
 * "network capability: yes".
 *
 * Conventions of all rules/capabilities files (docs/internals/analyze.md):
 *   meta capability  - what the program can do, for people
 *   meta namespace   - area/topic; the area decides how the rule counts in the judgement
 *   meta attack      - MITRE ATT&CK technique ids, comma-separated
 *   meta description - what the rule looks for
 * Strings name the API functions a rule is about, so that the evidence can show which
 * imports or symbols were seen.  A PE rule also matches a program that resolves the
 * functions by name at run time (their names as strings plus GetProcAddress).
 */
import "pe"
import "elf"

rule net_socket_pe
{
    meta:
        capability = "network communication"
        namespace = "communication/socket"
        attack = "T1095"
        description = "Windows sockets (Winsock): creates sockets and connects, sends or receives"
    strings:
        /* Names only Winsock uses ... */
        $ws1 = "WSAStartup" ascii fullword
        $ws2 = "WSASocketA" ascii fullword
        $ws3 = "WSASocketW" ascii fullword
        $ws4 = "WSAConnect" ascii fullword
        $ws5 = "WSASend" ascii fullword
        $ws6 = "WSARecv" ascii fullword
        $ws7 = "closesocket" ascii fullword
        /* ... and the BSD names it shares, which are ordinary words too. */
        $api1 = "socket" ascii fullword
        $api2 = "connect" ascii fullword
        $api3 = "send" ascii fullword
        $api4 = "sendto" ascii fullword
        $api5 = "recv" ascii fullword
        $api6 = "recvfrom" ascii fullword
        $api7 = "bind" ascii fullword
        $api8 = "listen" ascii fullword
        $api9 = "accept" ascii fullword
    condition:
        pe.is_pe and (
            pe.imports(/^(ws2_32|wsock32)\.dll$/i,
                       /^(socket|WSASocket[AW]|connect|WSAConnect|send|sendto|recv|recvfrom|WSASend|WSARecv|bind|listen|accept)$/) > 0
            or (pe.imports("kernel32.dll", "GetProcAddress") and any of ($ws*) and
                3 of ($ws*, $api*))
        )
}

rule net_socket_elf
{
    meta:
        capability = "network communication"
        namespace = "communication/socket"
        attack = "T1095"
        description = "BSD sockets: socket() together with connect, send or bind"
    strings:
        $sym1 = "socket" ascii fullword
        $sym2 = "connect" ascii fullword
        $sym3 = "sendto" ascii fullword
        $sym4 = "sendmsg" ascii fullword
        $sym5 = "bind" ascii fullword
    condition:
        uint32(0) == 0x464c457f and $sym1 and any of ($sym2, $sym3, $sym4, $sym5) and
        (for any i in (0..elf.dynsym_entries - 1) : (elf.dynsym[i].name == "socket") or
         for any i in (0..elf.symtab_entries - 1) : (elf.symtab[i].name == "socket")) and
        (for any i in (0..elf.dynsym_entries - 1) :
            (elf.dynsym[i].name matches /^(connect|sendto|sendmsg|bind)$/) or
         for any i in (0..elf.symtab_entries - 1) :
            (elf.symtab[i].name matches /^(connect|sendto|sendmsg|bind)$/))
}

rule net_server_elf
{
    meta:
        capability = "accept network connections"
        namespace = "communication/server"
        attack = "T1095"
        description = "listens on a socket and accepts connections (a server or a bind shell)"
    strings:
        $sym1 = "listen" ascii fullword
        $sym2 = "accept" ascii fullword
        $sym3 = "accept4" ascii fullword
    condition:
        uint32(0) == 0x464c457f and $sym1 and ($sym2 or $sym3) and
        (for any i in (0..elf.dynsym_entries - 1) : (elf.dynsym[i].name == "listen") or
         for any i in (0..elf.symtab_entries - 1) : (elf.symtab[i].name == "listen"))
}

rule http_wininet_pe
{
    meta:
        capability = "HTTP communication"
        namespace = "communication/http"
        attack = "T1071.001"
        description = "WinINet: opens URLs or sends HTTP requests"
    strings:
        $api1 = "InternetOpenA" ascii fullword
        $api2 = "InternetOpenW" ascii fullword
        $api3 = "InternetOpenUrlA" ascii fullword
        $api4 = "InternetOpenUrlW" ascii fullword
        $api5 = "InternetConnectA" ascii fullword
        $api6 = "InternetConnectW" ascii fullword
        $api7 = "HttpOpenRequestA" ascii fullword
        $api8 = "HttpOpenRequestW" ascii fullword
        $api9 = "HttpSendRequestA" ascii fullword
        $api10 = "HttpSendRequestW" ascii fullword
        $api11 = "HttpSendRequestExA" ascii fullword
        $api12 = "HttpSendRequestExW" ascii fullword
        $api13 = "InternetReadFile" ascii fullword
        $api14 = "InternetWriteFile" ascii fullword
    condition:
        pe.is_pe and (
            pe.imports(/^wininet\.dll$/i,
                       /^(InternetOpen(Url)?[AW]|InternetConnect[AW]|HttpOpenRequest[AW]|HttpSendRequest(Ex)?[AW]|InternetReadFile|InternetWriteFile)$/) > 0
            or (pe.imports("kernel32.dll", "GetProcAddress") and 2 of ($api*))
        )
}

rule http_winhttp_pe
{
    meta:
        capability = "HTTP communication"
        namespace = "communication/http"
        attack = "T1071.001"
        description = "WinHTTP: connects to web servers and sends requests"
    strings:
        $api1 = "WinHttpOpen" ascii fullword
        $api2 = "WinHttpConnect" ascii fullword
        $api3 = "WinHttpOpenRequest" ascii fullword
        $api4 = "WinHttpSendRequest" ascii fullword
        $api5 = "WinHttpReceiveResponse" ascii fullword
        $api6 = "WinHttpReadData" ascii fullword
        $api7 = "WinHttpWriteData" ascii fullword
    condition:
        pe.is_pe and (
            pe.imports(/^winhttp\.dll$/i,
                       /^(WinHttpOpen|WinHttpConnect|WinHttpOpenRequest|WinHttpSendRequest|WinHttpReceiveResponse|WinHttpReadData|WinHttpWriteData)$/) > 0
            or (pe.imports("kernel32.dll", "GetProcAddress") and 2 of ($api*))
        )
}

rule download_urlmon_pe
{
    meta:
        capability = "download files"
        namespace = "communication/http"
        attack = "T1105,T1071.001"
        description = "URL Moniker: fetches a URL into a file or the cache"
    strings:
        $api1 = "URLDownloadToFileA" ascii fullword
        $api2 = "URLDownloadToFileW" ascii fullword
        $api3 = "URLDownloadToCacheFileA" ascii fullword
        $api4 = "URLDownloadToCacheFileW" ascii fullword
        $api5 = "URLOpenBlockingStreamA" ascii fullword
        $api6 = "URLOpenBlockingStreamW" ascii fullword
    condition:
        pe.is_pe and (
            pe.imports(/^urlmon\.dll$/i, /^(URLDownloadTo(Cache)?File[AW]|URLOpen(Blocking)?Stream[AW])$/) > 0
            or (pe.imports("kernel32.dll", "GetProcAddress") and any of ($api*))
        )
}

rule http_libcurl
{
    meta:
        capability = "HTTP communication"
        namespace = "communication/http"
        attack = "T1071.001"
        description = "libcurl: transfers data to or from URLs"
    strings:
        $sym1 = "curl_easy_perform" ascii fullword
        $sym2 = "curl_easy_init" ascii fullword
        $sym3 = "curl_multi_perform" ascii fullword
    condition:
        (uint32(0) == 0x464c457f or pe.is_pe) and
        ($sym1 or $sym3) and
        (for any i in (0..elf.dynsym_entries - 1) :
            (elf.dynsym[i].name matches /^curl_(easy|multi)_perform$/) or
         for any i in (0..elf.symtab_entries - 1) :
            (elf.symtab[i].name matches /^curl_(easy|multi)_perform$/) or
         pe.imports(/^libcurl[-0-9a-z]*\.dll$/i, /^curl_(easy|multi)_perform$/) > 0 or
         $sym2)
}

rule http_request_text
{
    meta:
        capability = "HTTP communication"
        namespace = "communication/http"
        attack = "T1071.001"
        description = "builds HTTP requests by hand (request line and headers as text) and has sockets"
    strings:
        $req1 = /(GET|POST|PUT) \/[!-~]{0,200} HTTP\/1\.[01]/ ascii wide
        $req2 = /(GET|POST|PUT) %s HTTP\/1\.[01]/ ascii wide
        $hdr1 = "User-Agent:" ascii wide nocase
        $hdr2 = "Content-Type:" ascii wide nocase
        $hdr3 = "Host:" ascii wide
    condition:
        (net_socket_pe or net_socket_elf) and any of ($req*) and any of ($hdr*)
}

rule dns_resolve_pe
{
    meta:
        capability = "DNS resolution"
        namespace = "communication/dns"
        attack = "T1071.004"
        description = "resolves host names or queries DNS records"
    strings:
        $api1 = "DnsQuery_A" ascii fullword
        $api2 = "DnsQuery_W" ascii fullword
        $api3 = "DnsQueryEx" ascii fullword
        $api4 = "GetAddrInfoW" ascii fullword
        $api5 = "GetAddrInfoExW" ascii fullword
        $api6 = "gethostbyname" ascii fullword
        $api7 = "getaddrinfo" ascii fullword
        $api8 = "GetAddrInfoA" ascii fullword
        $api9 = "GetAddrInfoExA" ascii fullword
        $api10 = "WSAAsyncGetHostByName" ascii fullword
        $api11 = "DnsQuery_UTF8" ascii fullword
    condition:
        pe.is_pe and (
            pe.imports(/^(ws2_32|wsock32)\.dll$/i,
                       /^(gethostbyname|getaddrinfo|GetAddrInfo(Ex)?[AW]|WSAAsyncGetHostByName)$/) > 0 or
            pe.imports(/^dnsapi\.dll$/i, /^DnsQuery(_A|_W|_UTF8|Ex)$/) > 0
            or (pe.imports("kernel32.dll", "GetProcAddress") and 2 of ($api*))
        )
}

rule dns_resolve_elf
{
    meta:
        capability = "DNS resolution"
        namespace = "communication/dns"
        attack = "T1071.004"
        description = "resolves host names (getaddrinfo, gethostbyname) or queries DNS records (res_query)"
    strings:
        $sym1 = "getaddrinfo" ascii fullword
        $sym2 = "gethostbyname" ascii fullword
        $sym3 = "gethostbyname_r" ascii fullword
        $sym4 = "res_query" ascii fullword
        $sym5 = "res_search" ascii fullword
        $sym6 = "__res_query" ascii fullword
        $sym7 = "res_nquery" ascii fullword
    condition:
        uint32(0) == 0x464c457f and any of them and
        (for any i in (0..elf.dynsym_entries - 1) :
            (elf.dynsym[i].name matches /^(getaddrinfo|gethostbyname2?(_r)?|(__)?res_n?(query|search))$/) or
         for any i in (0..elf.symtab_entries - 1) :
            (elf.symtab[i].name matches /^(getaddrinfo|gethostbyname2?(_r)?|(__)?res_n?(query|search))$/))
}

rule tls_client
{
    meta:
        capability = "encrypted network channel (TLS)"
        namespace = "communication/tls"
        attack = "T1573.002"
        description = "TLS client through OpenSSL, GnuTLS, mbed TLS or Windows Schannel"
    strings:
        $sym1 = "SSL_connect" ascii fullword
        $sym2 = "gnutls_handshake" ascii fullword
        $sym3 = "mbedtls_ssl_handshake" ascii fullword
        $sym4 = "InitializeSecurityContextW" ascii fullword
        $sym5 = "InitializeSecurityContextA" ascii fullword
    condition:
        (uint32(0) == 0x464c457f and any of ($sym1, $sym2, $sym3) and
         (for any i in (0..elf.dynsym_entries - 1) :
            (elf.dynsym[i].name matches /^(SSL_connect|gnutls_handshake|mbedtls_ssl_handshake)$/) or
          for any i in (0..elf.symtab_entries - 1) :
            (elf.symtab[i].name matches /^(SSL_connect|gnutls_handshake|mbedtls_ssl_handshake)$/)))
        or
        (pe.is_pe and any of them and
         (pe.imports(/^(secur32|sspicli)\.dll$/i, /^InitializeSecurityContext[AW]$/) > 0 or
          pe.imports(/^(libssl[-0-9a-z_]*|ssleay32)\.dll$/i, /^SSL_connect$/) > 0))
}

rule dns_resolver_static_elf
{
    meta:
        capability = "DNS resolution"
        namespace = "communication/dns"
        attack = "T1071.004"
        description = "a statically linked program without symbols that carries a DNS resolver (it reads /etc/resolv.conf and /etc/hosts)"
    strings:
        $conf = "/etc/resolv.conf" ascii
        $hosts = "/etc/hosts" ascii fullword
    condition:
        uint32(0) == 0x464c457f and all of them and
        not (for any i in (0..elf.number_of_segments - 1) : (elf.segments[i].type == elf.PT_INTERP)) and
        for all i in (0..elf.number_of_sections - 1) :
            (elf.sections[i].type != elf.SHT_SYMTAB and elf.sections[i].type != elf.SHT_DYNSYM)
}
