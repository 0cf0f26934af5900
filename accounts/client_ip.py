"""The client's address, for axes (lockout per username and address) and the security log.

Behind the reverse proxy every request comes from the proxy's address (REMOTE_ADDR), and the
client's is in X-Forwarded-For. That header is read only when the request comes from a proxy
we trust (TRUSTED_PROXIES), and then only the entry PROXY_COUNT - 1 places from its right
end: the one our own proxies wrote. Whatever a client writes in the header itself sits to the
left of that and is never read, and a client that reaches the app directly is known by its
own address whatever it sends. django-ipware does the header parsing and the counting.
"""

import ipaddress

from django.conf import settings
from ipware import get_client_ip


def client_ip(request) -> str | None:
    """The client's address, or None where there is none (a request made up in code, as
    force_login's): axes stores it in an IP address column, which takes no placeholder."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    if settings.PROXY_COUNT > 0 and _trusted(remote):
        forwarded, _ = get_client_ip(
            request,
            proxy_count=settings.PROXY_COUNT - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
        if forwarded:
            return forwarded
    return remote


def _trusted(address: str | None) -> bool:
    if address is None:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(
        ip in ipaddress.ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES
    )
