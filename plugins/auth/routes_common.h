// What the route files share: who is calling, JSON bodies in and out, the signed-in answer.
#pragma once

#include "auth_context.h"
#include "bodies.h"

#include <kek/http.h>
#include <kek/json.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kek::auth {

using ContextPtr = std::shared_ptr<AuthContext>;

struct Caller {
  User user;
  Session session;
};

// The signed-in user of the request, if any (a stale or unknown cookie counts as none).
Result<std::optional<Caller>> find_caller(AuthContext& ctx, const HttpRequest& request);
// 401 when nobody is signed in.
Result<Caller> require_caller(AuthContext& ctx, const HttpRequest& request);
Viewer viewer_of(AuthContext& ctx, const User& user);

// {id} path parameters: 404 for anything that is not a positive integer.
Result<int64_t> id_param(const HttpRequest& request, const std::string& name);

HttpResponse json_answer(const std::function<void(JsonWriter&)>& write, int status = 200);
HttpResponse no_content();
HttpResponse too_many_attempts(int64_t retry_after_seconds);
// What a per-address limit counts this client as: an IPv6 address by its /64.
std::string limit_key(const std::string& remote);
// The same responder, answering no sooner than `seconds` from now (a timer on the main loop:
// nothing waits in a thread). For logins slowed down by an account's failures.
HttpResponder answer_later(HttpResponder respond, int64_t seconds);

// The headers and peer of a request without its body, for work that finishes later (the body
// may hold a password and is not needed once parsed).
HttpRequest without_body(const HttpRequest& request);

// Whether the session cookie is Secure: the request came over TLS (directly or per a trusted
// proxy), or the config says the site is served over TLS (secure_cookies: true).
bool secure_cookies(const AuthContext& ctx, const HttpRequest& request);

// {user, csrf_token} with the new session's cookie: the answer to login and registration.
HttpResponse signed_in_answer(AuthContext& ctx, const HttpRequest& request, const User& user,
                              const NewSession& session, int status);

// Turns an error into the one error shape, logging what the client is not told about 500s.
HttpResponse failure(const Error& error);

}  // namespace kek::auth
