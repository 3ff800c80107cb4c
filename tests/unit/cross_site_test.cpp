// The DXtrade launch's cross-site check: origins are compared parsed (scheme, host,
// port), exactly, so a look-alike never passes for the gateway's own.
#define BOOST_TEST_MODULE cross_site
#include <boost/test/unit_test.hpp>

#include "proto_handlers/dxtrade/cross_site.hpp"

#include <boost/beast/http/fields.hpp>

using namespace tg;
namespace http = boost::beast::http;

namespace {

bool cross_site(const std::string& host, const std::string& referer, const std::string& origin = "",
                const std::vector<std::string>& allowed = {}) {
    http::fields request;
    request.set(http::field::host, host);
    if (!referer.empty()) request.set(http::field::referer, referer);
    if (!origin.empty()) request.set(http::field::origin, origin);
    return dxtrade::is_cross_site(request, false, allowed);
}

}  // namespace

BOOST_AUTO_TEST_CASE(look_alike_referers_are_cross_site) {
    BOOST_TEST(cross_site("10.0.0.5", "http://10.0.0.5.evil.com/"));
    BOOST_TEST(cross_site("127.0.0.1", "http://127.0.0.1x/"));
    BOOST_TEST(cross_site("portal.example.com", "http://portal.example.com:80x/"));
    BOOST_TEST(cross_site("portal.example.com", "http://portal.example.com.evil/"));
    BOOST_TEST(cross_site("portal.example.com", "http://evil.com/?portal.example.com"));
    BOOST_TEST(cross_site("portal.example.com", "http://portal.example.com@evil.com/"));
    BOOST_TEST(cross_site("portal.example.com", "https://portal.example.com/"));  // another scheme
    BOOST_TEST(cross_site("portal.example.com:8080", "http://portal.example.com/"));  // another port
    BOOST_TEST(cross_site("10.0.0.5", "", "http://10.0.0.5.evil.com"));
    BOOST_TEST(cross_site("portal.example.com", "", "http://portal.example.com:80x"));
}

BOOST_AUTO_TEST_CASE(the_gateways_own_origin_passes_however_it_is_spelled) {
    BOOST_TEST(!cross_site("10.0.0.5", "http://10.0.0.5/portal?x=1"));
    BOOST_TEST(!cross_site("Portal.Example.com", "http://portal.example.COM/home"));
    BOOST_TEST(!cross_site("portal.example.com", "http://portal.example.com:80/home"));  // the default port
    BOOST_TEST(!cross_site("portal.example.com:80", "http://portal.example.com/home"));
    BOOST_TEST(!cross_site("127.0.0.1:8080", "http://127.0.0.1:8080/trading"));
    BOOST_TEST(!cross_site("[::1]:8080", "http://[::1]:8080/trading"));
    BOOST_TEST(!cross_site("portal.example.com", "", "http://portal.example.com"));
    BOOST_TEST(!cross_site("portal.example.com", ""));  // neither header: a direct visit
}

BOOST_AUTO_TEST_CASE(listed_origins_pass_exactly) {
    const std::vector<std::string> allowed{"https://portal.example.com"};
    BOOST_TEST(!cross_site("gw.example.com", "https://portal.example.com/page", "", allowed));
    BOOST_TEST(!cross_site("gw.example.com", "https://PORTAL.example.com:443/page", "", allowed));
    BOOST_TEST(cross_site("gw.example.com", "https://portal.example.com.evil/page", "", allowed));
    BOOST_TEST(cross_site("gw.example.com", "https://portal.example.com:8443/page", "", allowed));
}
