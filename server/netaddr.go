package server

import (
	"net"
	"strings"
)

func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// lanURL guesses the address phones on the classroom Wi-Fi use to reach this machine: the
// first private IPv4 address of an interface that is up, with the listening port.
func lanURL(addr string, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		port = strings.TrimPrefix(addr, ":")
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = lanIP()
	}
	hostport := net.JoinHostPort(host, port)
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		hostport = host
	}
	return scheme + "://" + hostport
}

func lanIP() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return "localhost"
	}
	var fallback string
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 || iface.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip := ipn.IP.To4()
			if ip == nil {
				continue
			}
			if ip.IsPrivate() {
				return ip.String()
			}
			if fallback == "" && ip.IsGlobalUnicast() {
				fallback = ip.String()
			}
		}
	}
	if fallback != "" {
		return fallback
	}
	return "localhost"
}
