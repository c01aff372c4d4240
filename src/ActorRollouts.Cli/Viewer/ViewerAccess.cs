using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ActorRollouts.Cli.Viewer;

/// <summary>Who may read through the viewer. Bound to 127.0.0.1 (the default) it answers only requests addressed to
/// 127.0.0.1 or localhost — a page on another site that rebinds its own name to 127.0.0.1 gets nothing. Bound to any
/// other address it needs the token it printed at start on every request: <c>?token=</c> once (the answer sets a
/// same-site cookie for the page's own requests), the cookie, or <c>Authorization: Bearer</c>.</summary>
public sealed class ViewerAccess(string? token)
{
    public const string CookieName = "actor_rollouts_view";

    public string? Token => token;

    public static ViewerAccess For(string host) =>
        new(host == "127.0.0.1" ? null : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));

    public async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        if (token is null ? IsLoopbackHost(context.Request.Host.Host) : Presents(context))
        {
            if (token is not null && context.Request.Query["token"].Count > 0)
                context.Response.Cookies.Append(CookieName, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        if (context.Request.Path.StartsWithSegments("/v1"))
        {
            // The service's clients read JSON errors.
            await context.Response.WriteAsJsonAsync(new
            {
                error = token is null
                    ? "this server answers only requests to 127.0.0.1 or localhost"
                    : "this server needs the token it printed when it started, as Authorization: Bearer TOKEN",
            });
            return;
        }
        await context.Response.WriteAsync(token is null
            ? "401: this viewer answers only requests to 127.0.0.1 or localhost.\n"
            : "401: this viewer needs the token it printed when it started: open the URL it printed (…/?token=…).\n");
    }

    private bool Presents(HttpContext context)
    {
        var given = context.Request.Query["token"].FirstOrDefault()
                    ?? context.Request.Cookies[CookieName]
                    ?? (context.Request.Headers.Authorization.FirstOrDefault() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth[7..] : null);
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token!));
    }

    private static bool IsLoopbackHost(string host) => host is "127.0.0.1" or "localhost";
}
