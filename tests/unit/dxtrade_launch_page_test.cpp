#define BOOST_TEST_MODULE dxtrade_launch_page
#include <boost/test/unit_test.hpp>

#include "proto_handlers/dxtrade/launch_page.hpp"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace tg::dxtrade;

namespace {

constexpr std::string_view login_url = "https://trading.example.com/api/auth/login/form-with-token";
constexpr std::string_view plain_token = "dG9rZW4tZm9yLXRlc3QtdXNlcg==";
constexpr std::string_view nonce = "q1w2e3r4t5y6u7i8o9p0Aa==";

std::size_t count_of(std::string_view haystack, std::string_view needle) {
    std::size_t count = 0;
    for (auto pos = haystack.find(needle); pos != std::string_view::npos; pos = haystack.find(needle, pos + 1))
        ++count;
    return count;
}

std::string html_unescape(std::string_view text) {
    static const std::vector<std::pair<std::string_view, char>> entities{
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        bool replaced = false;
        for (const auto& [entity, c] : entities) {
            if (text.substr(i, entity.size()) == entity) {
                out += c;
                i += entity.size();
                replaced = true;
                break;
            }
        }
        if (!replaced)
            out += text[i++];
    }
    return out;
}

// A strict little tag reader for the pages this renderer writes: every start tag must be
// `<name( attr="value")*>` with values free of `"`, `<` and `>`. Anything else (an
// attribute broken out of its quotes, an unquoted attribute, a stray `<`) fails `well_formed`.
struct Tag {
    std::string name;
    std::map<std::string, std::string> attributes;  // raw (still escaped) values
    std::size_t position = 0;
};

struct Parsed {
    std::vector<Tag> tags;  // start tags only
    bool well_formed = true;
    std::string problem;
};

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

Parsed parse_tags(std::string_view html) {
    Parsed result;
    auto fail = [&](std::string why, std::size_t at) {
        result.well_formed = false;
        result.problem = why + " at " + std::to_string(at) + ": " + std::string(html.substr(at, 40));
        return result;
    };
    std::size_t i = 0;
    while ((i = html.find('<', i)) != std::string_view::npos) {
        const std::size_t start = i;
        if (html.substr(i, 9) == "<!DOCTYPE") {
            i = html.find('>', i);
            if (i == std::string_view::npos)
                return fail("unterminated doctype", start);
            ++i;
            continue;
        }
        ++i;
        if (i < html.size() && html[i] == '/') {
            ++i;
            while (i < html.size() && is_name_char(html[i]))
                ++i;
            if (i >= html.size() || html[i] != '>')
                return fail("bad end tag", start);
            ++i;
            continue;
        }
        Tag tag;
        tag.position = start;
        while (i < html.size() && is_name_char(html[i]))
            tag.name += html[i++];
        if (tag.name.empty())
            return fail("stray <", start);
        for (;;) {
            if (i >= html.size())
                return fail("unterminated tag", start);
            if (html[i] == '>') {
                ++i;
                break;
            }
            if (html[i] != ' ')
                return fail("expected a space before an attribute", i);
            ++i;
            std::string name;
            while (i < html.size() && is_name_char(html[i]))
                name += html[i++];
            if (name.empty() || html.substr(i, 2) != "=\"")
                return fail("expected name=\"value\"", i);
            i += 2;
            const std::size_t end = html.find('"', i);
            if (end == std::string_view::npos)
                return fail("unterminated attribute value", i);
            const std::string_view value = html.substr(i, end - i);
            if (value.find_first_of("<>") != std::string_view::npos)
                return fail("raw < or > in an attribute value", i);
            if (!tag.attributes.emplace(name, std::string(value)).second)
                return fail("duplicate attribute " + name, i);
            i = end + 1;
        }
        result.tags.push_back(std::move(tag));
    }
    return result;
}

std::vector<Tag> tags_named(const Parsed& parsed, std::string_view name) {
    std::vector<Tag> out;
    std::copy_if(parsed.tags.begin(), parsed.tags.end(), std::back_inserter(out),
                 [&](const Tag& tag) { return tag.name == name; });
    return out;
}

void check_attribute_names(const Parsed& parsed) {
    static const std::set<std::string> allowed{"lang",   "charset", "name", "content", "id",    "method",
                                               "action", "target",  "type", "value",   "nonce", "href"};
    for (const Tag& tag : parsed.tags)
        for (const auto& [name, value] : tag.attributes)
            BOOST_TEST(allowed.count(name) == 1u, "unexpected attribute " << name << " on <" << tag.name << ">");
}

bool is_base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
           c == '=';
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_page_holds_a_post_form_with_one_hidden_token_input) {
    const LaunchPage page = render_launch_page(login_url, plain_token, "_blank", nonce);
    const Parsed parsed = parse_tags(page.html);
    BOOST_TEST_REQUIRE(parsed.well_formed, parsed.problem);
    check_attribute_names(parsed);

    const auto forms = tags_named(parsed, "form");
    BOOST_TEST_REQUIRE(forms.size() == 1u);
    const auto& form = forms.front().attributes;
    BOOST_TEST(form.at("id") == "dx-sso");
    BOOST_TEST(form.at("method") == "POST");
    BOOST_TEST(form.at("action") == std::string(login_url));
    BOOST_TEST(form.at("target") == "_blank");

    const auto inputs = tags_named(parsed, "input");
    BOOST_TEST_REQUIRE(inputs.size() == 1u);
    const std::map<std::string, std::string> expected{
        {"type", "hidden"}, {"name", "token"}, {"value", std::string(plain_token)}};
    BOOST_TEST((inputs.front().attributes == expected));
    BOOST_TEST(count_of(page.html, "<input") == 1u);

    BOOST_TEST(page.html.find("<!DOCTYPE html>") == 0u);
    BOOST_TEST(page.html.find("http-equiv") == std::string::npos);  // no meta refresh, no meta CSP games
}

BOOST_AUTO_TEST_CASE(the_target_is_configurable) {
    const LaunchPage page = render_launch_page(login_url, plain_token, "_self", nonce);
    const auto forms = tags_named(parse_tags(page.html), "form");
    BOOST_TEST_REQUIRE(forms.size() == 1u);
    BOOST_TEST(forms.front().attributes.at("target") == "_self");
}

BOOST_AUTO_TEST_CASE(exactly_one_script_it_carries_the_nonce_and_submits_the_form) {
    const LaunchPage page = render_launch_page(login_url, plain_token, "_self", nonce);
    const Parsed parsed = parse_tags(page.html);
    BOOST_TEST_REQUIRE(parsed.well_formed, parsed.problem);
    const auto scripts = tags_named(parsed, "script");
    BOOST_TEST_REQUIRE(scripts.size() == 1u);
    BOOST_TEST(count_of(page.html, "<script") == 1u);
    BOOST_TEST((scripts.front().attributes == std::map<std::string, std::string>{{"nonce", std::string(nonce)}}));
    BOOST_TEST(page.html.find("document.getElementById('dx-sso').submit();</script>") != std::string::npos);
    // The script runs after the form exists.
    BOOST_TEST(tags_named(parsed, "form").front().position < scripts.front().position);
    // No inline event handlers anywhere.
    for (const Tag& tag : parsed.tags)
        for (const auto& [name, value] : tag.attributes)
            BOOST_TEST(name.rfind("on", 0) != 0u, "event handler " << name << " on <" << tag.name << ">");
}

BOOST_AUTO_TEST_CASE(a_noscript_submit_button_sits_inside_the_form) {
    const LaunchPage page = render_launch_page(login_url, plain_token, "_self", nonce);
    const auto form = page.html.find("<form ");
    const auto noscript = page.html.find("<noscript>");
    const auto button = page.html.find("<button type=\"submit\">");
    const auto noscript_end = page.html.find("</noscript>");
    const auto form_end = page.html.find("</form>");
    BOOST_TEST_REQUIRE(form != std::string::npos);
    BOOST_TEST_REQUIRE(noscript != std::string::npos);
    BOOST_TEST_REQUIRE(button != std::string::npos);
    BOOST_TEST(form < noscript);
    BOOST_TEST(noscript < button);
    BOOST_TEST(button < noscript_end);
    BOOST_TEST(noscript_end < form_end);
    BOOST_TEST(tags_named(parse_tags(page.html), "button").size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_token_appears_once_and_only_in_the_hidden_input) {
    const LaunchPage page = render_launch_page(login_url, plain_token, "_blank", nonce);
    BOOST_TEST(count_of(page.html, plain_token) == 1u);
    BOOST_TEST(page.html.find("value=\"" + std::string(plain_token) + "\"") != std::string::npos);
    BOOST_TEST(page.content_security_policy.find(plain_token) == std::string::npos);
    const auto title_end = page.html.find("</title>");
    BOOST_TEST(page.html.find(plain_token) > title_end);
    BOOST_TEST(page.html.find("<!--") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(hostile_token_url_and_target_cannot_break_out) {
    const std::string token = R"(a"b<c>d&e'f"><script>alert(1)</script><input name="x)";
    // Raw " < > are not URI characters; & and ' are, and must be escaped in the action.
    const std::string url = "https://t.example:8443/api/auth/login/form-with-token?a=1&b='x'";
    const std::string target = R"(_blank" onfocus="alert(1)' x='<b>&)";
    const LaunchPage page = render_launch_page(url, token, target, nonce);

    const Parsed parsed = parse_tags(page.html);
    BOOST_TEST_REQUIRE(parsed.well_formed, parsed.problem);
    check_attribute_names(parsed);

    BOOST_TEST(count_of(page.html, "<input") == 1u);
    BOOST_TEST(count_of(page.html, "<script") == 1u);
    const auto inputs = tags_named(parsed, "input");
    BOOST_TEST_REQUIRE(inputs.size() == 1u);
    BOOST_TEST(inputs.front().attributes.size() == 3u);
    BOOST_TEST(html_unescape(inputs.front().attributes.at("value")) == token);
    BOOST_TEST(inputs.front().attributes.at("value") ==
               "a&quot;b&lt;c&gt;d&amp;e&#39;f&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
               "&lt;input name=&quot;x");

    const auto forms = tags_named(parsed, "form");
    BOOST_TEST_REQUIRE(forms.size() == 1u);
    BOOST_TEST(forms.front().attributes.size() == 4u);
    BOOST_TEST(forms.front().attributes.at("action") ==
               "https://t.example:8443/api/auth/login/form-with-token?a=1&amp;b=&#39;x&#39;");
    BOOST_TEST(html_unescape(forms.front().attributes.at("action")) == url);
    BOOST_TEST(forms.front().attributes.at("target") == "_blank&quot; onfocus=&quot;alert(1)&#39; x=&#39;&lt;b&gt;&amp;");
    BOOST_TEST(html_unescape(forms.front().attributes.at("target")) == target);

    BOOST_TEST(page.html.find(token) == std::string::npos);
    BOOST_TEST(count_of(page.html, html_escape(token)) == 1u);
    BOOST_TEST(page.content_security_policy.find(token) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_url_with_raw_quotes_or_angle_brackets_is_refused) {
    BOOST_CHECK_THROW(render_launch_page(R"(https://t.example/a"><script>)", plain_token, "_self", nonce),
                      std::invalid_argument);
    BOOST_CHECK_THROW(render_launch_page("javascript:alert(1)//https://t.example/", plain_token, "_self", nonce),
                      std::invalid_argument);
    BOOST_CHECK_THROW(render_launch_page("/api/auth/login/form-with-token", plain_token, "_self", nonce),
                      std::invalid_argument);
    BOOST_CHECK_THROW(render_launch_page("https://t.example;script-src/x", plain_token, "_self", nonce),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(refusal_messages_do_not_quote_the_token_or_url) {
    const std::string token = "SECRET-TOKEN-VALUE";
    try {
        render_launch_page("ftp://t.example/x", token, "_self", nonce);
        BOOST_FAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& error) {
        BOOST_TEST(std::string_view(error.what()).find(token) == std::string_view::npos);
        BOOST_TEST(std::string_view(error.what()).find("t.example") == std::string_view::npos);
    }
}

BOOST_AUTO_TEST_CASE(a_nonce_outside_the_base64_alphabet_is_refused) {
    BOOST_CHECK_THROW(render_launch_page(login_url, plain_token, "_self", ""), std::invalid_argument);
    BOOST_CHECK_THROW(render_launch_page(login_url, plain_token, "_self", "abc'; script-src *"),
                      std::invalid_argument);
    BOOST_CHECK_THROW(render_launch_page(login_url, plain_token, "_self", "abc\" x=\""), std::invalid_argument);
    BOOST_CHECK_THROW(render_error_page(503, "t", "m", "/", "a b"), std::invalid_argument);
    BOOST_CHECK_NO_THROW(render_launch_page(login_url, plain_token, "_self", "abc-DEF_123"));  // base64url
}

BOOST_AUTO_TEST_CASE(the_csp_holds_the_nonce_the_exact_terminal_origin_and_no_framing) {
    const LaunchPage page = render_launch_page(login_url, plain_token, "_blank", nonce);
    BOOST_TEST(page.content_security_policy ==
               "default-src 'none'; script-src 'nonce-q1w2e3r4t5y6u7i8o9p0Aa=='; "
               "form-action https://trading.example.com; frame-ancestors 'none'; base-uri 'none'");

    const LaunchPage with_port =
        render_launch_page("https://Trading.Example.com:8443/api/auth/login/form-with-token", plain_token, "_self", nonce);
    BOOST_TEST(with_port.content_security_policy.find("; form-action https://trading.example.com:8443;") !=
               std::string::npos);
    BOOST_TEST(with_port.content_security_policy.find("frame-ancestors 'none'") != std::string::npos);
    BOOST_TEST(with_port.content_security_policy.find("'nonce-" + std::string(nonce) + "'") != std::string::npos);

    const LaunchPage dev = render_launch_page("http://127.0.0.1:8080/api/auth/login/form-with-token", plain_token,
                                              "_self", nonce);
    BOOST_TEST(dev.content_security_policy.find("; form-action http://127.0.0.1:8080;") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(csp_nonce_is_24_base64_characters_and_fresh_each_call) {
    const std::string first = csp_nonce();
    const std::string second = csp_nonce();
    BOOST_TEST(first.size() == 24u);
    BOOST_TEST(second.size() == 24u);
    BOOST_TEST(std::all_of(first.begin(), first.end(), is_base64_char));
    BOOST_TEST(first.substr(22) == "==");
    BOOST_TEST(first != second);
    BOOST_CHECK_NO_THROW(render_launch_page(login_url, plain_token, "_self", first));
}

BOOST_AUTO_TEST_CASE(origin_of_cases) {
    BOOST_TEST(origin_of("https://trading.example.com/api/auth/login/form-with-token").value() ==
               "https://trading.example.com");
    BOOST_TEST(origin_of("https://trading.example.com:443/x").value() == "https://trading.example.com");
    BOOST_TEST(origin_of("HTTPS://Trading.EXAMPLE.com/x").value() == "https://trading.example.com");
    BOOST_TEST(origin_of("http://localhost:8080/api").value() == "http://localhost:8080");
    BOOST_TEST(origin_of("http://localhost:80/api").value() == "http://localhost");
    BOOST_TEST(origin_of("https://host:8443").value() == "https://host:8443");
    BOOST_TEST(origin_of("https://[::1]:8443/x").value() == "https://[::1]:8443");
    BOOST_TEST(origin_of("https://host:/x").value() == "https://host");
    BOOST_TEST(origin_of("https://host/x?q=1#f").value() == "https://host");

    BOOST_TEST(!origin_of("javascript:alert(1)").has_value());
    BOOST_TEST(!origin_of("not a url").has_value());
    BOOST_TEST(!origin_of("").has_value());
    BOOST_TEST(!origin_of("/relative/path").has_value());
    BOOST_TEST(!origin_of("//host/path").has_value());
    BOOST_TEST(!origin_of("ftp://host/").has_value());
    BOOST_TEST(!origin_of("data:text/html,x").has_value());
    BOOST_TEST(!origin_of("https:///path").has_value());
    BOOST_TEST(!origin_of("https://user:pw@host/").has_value());
    BOOST_TEST(!origin_of("https://host:99999/").has_value());
    BOOST_TEST(!origin_of("https://host:0/").has_value());
    BOOST_TEST(!origin_of("https://ho%73t/").has_value());
    BOOST_TEST(!origin_of("https://a;b/").has_value());
}

BOOST_AUTO_TEST_CASE(html_escape_covers_the_five_characters) {
    BOOST_TEST(html_escape(R"(&<>"')") == "&amp;&lt;&gt;&quot;&#39;");
    BOOST_TEST(html_escape("plain text/=+") == "plain text/=+");
    BOOST_TEST(html_escape("") == "");
    BOOST_TEST(html_escape("&amp;") == "&amp;amp;");
}

BOOST_AUTO_TEST_CASE(the_error_page_escapes_its_message_and_retry_link) {
    const std::string message = R"(dxWeb said <b>"no"</b> & 'later')";
    const std::string retry = "https://portal.example.com/dxtrade/launch?a=1&b='2'";
    const LaunchPage page = render_error_page(503, "Terminal <unavailable>", message, retry, nonce);

    const Parsed parsed = parse_tags(page.html);
    BOOST_TEST_REQUIRE(parsed.well_formed, parsed.problem);
    check_attribute_names(parsed);
    BOOST_TEST(page.html.find(message) == std::string::npos);
    BOOST_TEST(page.html.find("<p>dxWeb said &lt;b&gt;&quot;no&quot;&lt;/b&gt; &amp; &#39;later&#39;</p>") !=
               std::string::npos);
    BOOST_TEST(page.html.find("<title>503 Terminal &lt;unavailable&gt;</title>") != std::string::npos);
    BOOST_TEST(tags_named(parsed, "b").empty());

    const auto links = tags_named(parsed, "a");
    BOOST_TEST_REQUIRE(links.size() == 1u);
    BOOST_TEST(links.front().attributes.at("href") ==
               "https://portal.example.com/dxtrade/launch?a=1&amp;b=&#39;2&#39;");
    BOOST_TEST(html_unescape(links.front().attributes.at("href")) == retry);

    BOOST_TEST(page.html.find("<script") == std::string::npos);
    BOOST_TEST(page.html.find("<form") == std::string::npos);
    const auto styles = tags_named(parsed, "style");
    BOOST_TEST_REQUIRE(styles.size() == 1u);
    BOOST_TEST(styles.front().attributes.at("nonce") == std::string(nonce));
    BOOST_TEST(page.content_security_policy ==
               "default-src 'none'; style-src 'nonce-q1w2e3r4t5y6u7i8o9p0Aa=='; form-action 'none'; "
               "frame-ancestors 'none'; base-uri 'none'");
}

BOOST_AUTO_TEST_CASE(the_error_page_links_only_http_urls_and_local_paths) {
    BOOST_TEST(render_error_page(502, "Bad gateway", "m", "/dxtrade/launch", nonce).html.find(
                   "<a href=\"/dxtrade/launch\">") != std::string::npos);
    for (const char* unsafe : {"javascript:alert(1)", "//evil.example/x", "data:text/html,x", "", "relative/x",
                               "/\\evil.example", "https://evil.example\"><script>"}) {
        const LaunchPage page = render_error_page(504, "Timeout", "m", unsafe, nonce);
        BOOST_TEST(page.html.find("<a ") == std::string::npos, "linked: " << unsafe);
        BOOST_TEST(parse_tags(page.html).well_formed);
    }
}
