using Mesh.Gateway.Errors;
using Mesh.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Mesh.Gateway.Policy;

/// <summary>
/// How the edge refuses a caller (JwtBearer's challenge and forbid events): 401 with a WWW-Authenticate challenge as
/// RFC 6750 words it (invalid_request for a scheme other than Bearer, invalid_token with the reason for a token
/// JwtBearer refused) and the error body every edge error has, code UNAUTHENTICATED.
/// </summary>
public static class BearerChallenge
{
    private const string Realm = "Bearer realm=\"mesh\"";

    public static void Configure(JwtBearerOptions options)
    {
        options.Events ??= new JwtBearerEvents();
        options.Events.OnChallenge = ChallengeAsync;
        options.Events.OnForbidden = ForbiddenAsync;
    }

    private static Task ChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse(); // JwtBearer's own challenge has no body
        var header = context.Request.Headers.Authorization.ToString();
        string challenge, message;
        if (header.Length == 0)
        {
            (challenge, message) = (Realm, "This method needs a bearer token.");
        }
        else if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            (challenge, message) = ($"{Realm}, error=\"invalid_request\", error_description=\"use the Bearer scheme\"",
                "The Authorization header must use the Bearer scheme.");
        }
        else
        {
            var reason = BearerTokenInterceptor.Describe(context.AuthenticateFailure);
            (challenge, message) = ($"{Realm}, error=\"invalid_token\", error_description=\"{reason}\"", $"Invalid bearer token: {reason}.");
        }
        context.Response.Headers.WWWAuthenticate = challenge;
        return EdgeErrors.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, StatusCode.Unauthenticated, message);
    }

    // A valid token that names no user ("sub"): the token is genuine, so this is a refusal, not a challenge.
    private static Task ForbiddenAsync(ForbiddenContext context) =>
        EdgeErrors.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, StatusCode.PermissionDenied,
            "The bearer token does not name a user (no \"sub\" claim).");
}
