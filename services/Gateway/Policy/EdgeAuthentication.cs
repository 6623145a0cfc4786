using Mesh.Gateway.Transcoding;
using Mesh.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Mesh.Gateway.Policy;

/// <summary>
/// Decides whether a request may reach a method: public methods (proto option mesh.api.v1.public, or listed in
/// <c>Gateway:Auth:PublicMethods</c>) need no token; every other one needs a valid bearer token. A token that is
/// sent is always checked (JwtBearer, configured by <c>AddTokenValidation("Gateway:Auth")</c>), even on a public
/// method. Rejections are 401 with WWW-Authenticate (RFC 6750).
/// </summary>
public sealed class EdgeAuthentication(EdgeAuthOptions options)
{
    private const string Realm = "Bearer realm=\"mesh\"";

    public bool IsPublic(GatewayMethod method) =>
        method.IsPublic || options.PublicMethods.Any(p =>
            p == method.FullName || (p.EndsWith("/*", StringComparison.Ordinal) && p[..^2] == method.Descriptor.Service.FullName));

    public async Task<AuthenticatedUser?> AuthenticateAsync(HttpContext context, GatewayMethod method)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            if (IsPublic(method)) return null;
            throw Unauthorized(Realm, "This method needs a bearer token.");
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            throw Unauthorized($"{Realm}, error=\"invalid_request\", error_description=\"use the Bearer scheme\"", "The Authorization header must use the Bearer scheme.");
        var result = await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (result.Succeeded && AuthenticatedUser.From(result.Principal) is { } user)
        {
            context.User = result.Principal;
            return user;
        }
        var error = BearerTokenInterceptor.Describe(result.Failure);
        throw Unauthorized($"{Realm}, error=\"invalid_token\", error_description=\"{error}\"", $"Invalid bearer token: {error}.");
    }

    private static GatewayException Unauthorized(string challenge, string message)
    {
        var error = new GatewayException(StatusCodes.Status401Unauthorized, StatusCode.Unauthenticated, message);
        error.Headers["WWW-Authenticate"] = challenge;
        return error;
    }
}
