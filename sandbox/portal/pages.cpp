#include "sandbox/portal/pages.hpp"

#include "sandbox/common/html_escape.hpp"

namespace tg::sandbox::portal {

namespace {

constexpr std::string_view kStyle = R"(
    body { font-family: system-ui, sans-serif; background: #f4f6f8; color: #1d2733; margin: 0; }
    header { background: #1d3557; color: #fff; padding: 0.8rem 1.5rem; }
    header a { color: #fff; text-decoration: none; font-weight: 600; }
    main { max-width: 40rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem;
           border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,0.1); }
    h1 { margin-top: 0; font-size: 1.5rem; }
    label { display: block; margin: 0.8rem 0 0.2rem; }
    input[type=text], input[type=password] { width: 100%; padding: 0.4rem; box-sizing: border-box; }
    .button, button { display: inline-block; margin-top: 1rem; padding: 0.5rem 1.2rem; border: 0;
                      border-radius: 4px; background: #1d3557; color: #fff; text-decoration: none;
                      font-size: 1rem; cursor: pointer; }
    .error { background: #fde8e8; color: #9b1c1c; padding: 0.6rem; border-radius: 4px; }
    .muted { color: #667; font-size: 0.9rem; }
    ul.apps { padding-left: 1.2rem; }
)";

std::string layout(std::string_view title, std::string_view body) {
  std::string html;
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>" + html_escape(title) + "</title>\n";
  html += "<style>";
  html += kStyle;
  html += "</style>\n</head>\n<body>\n";
  html += "<header><a href=\"/\">Demo Broker Portal</a></header>\n<main>\n";
  html += body;
  html += "</main>\n</body>\n</html>\n";
  return html;
}

std::string signed_out_home() {
  return "<h1>Demo Broker Portal</h1>\n"
         "<p>Welcome. Sign in to reach your trading apps.</p>\n"
         "<a class=\"button\" href=\"/login\">Sign in</a>\n";
}

std::string signed_in_home(const DemoUser& user, std::span<const AppLink> apps) {
  std::string body;
  body += "<h1>Signed in as " + html_escape(user.name) + "</h1>\n";
  body += "<p class=\"muted\">User id " + html_escape(user.user_id) + " &middot; " +
          (user.can_trade ? "trading enabled" : "trading not enabled") + "</p>\n";

  body += "<h2>Trading apps</h2>\n<!-- Trading apps: one <li> per app link -->\n";
  body += "<ul class=\"apps\" id=\"trading-apps\">\n";
  for (const AppLink& app : apps) {
    body += "<li><a href=\"" + html_escape(app.href) + "\">" + html_escape(app.label) +
            "</a></li>\n";
  }
  if (apps.empty()) body += "<li class=\"muted\">No trading apps yet.</li>\n";
  body += "</ul>\n";

  body += "<form method=\"post\" action=\"/logout\"><button type=\"submit\">Sign out</button></form>\n";
  return body;
}

}  // namespace

std::string home_page(const DemoUser* user, std::span<const AppLink> apps) {
  return layout("Demo Broker Portal", user ? signed_in_home(*user, apps) : signed_out_home());
}

std::string login_page(std::string_view error, std::string_view username) {
  std::string body = "<h1>Sign in</h1>\n";
  if (!error.empty()) body += "<p class=\"error\" role=\"alert\">" + html_escape(error) + "</p>\n";
  body += "<form method=\"post\" action=\"/login\">\n"
          "<label for=\"username\">Username</label>\n"
          "<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" "
          "required autofocus value=\"" + html_escape(username) + "\">\n"
          "<label for=\"password\">Password</label>\n"
          "<input type=\"password\" id=\"password\" name=\"password\" "
          "autocomplete=\"current-password\" required>\n"
          "<button type=\"submit\">Sign in</button>\n"
          "</form>\n";

  body += "<p class=\"muted\">Demo users:";
  for (const DemoUser& user : demo_users()) {
    body += " " + html_escape(user.user_id) + "/" + html_escape(user.password);
  }
  body += "</p>\n";
  return layout("Sign in - Demo Broker Portal", body);
}

}  // namespace tg::sandbox::portal
