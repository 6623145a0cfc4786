using Mesh.Gateway.Routing;
using Mesh.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;

namespace Mesh.Gateway.Policy;

/// <summary>
/// The two authorization policies every REST route gets one of (<see cref="ProxyConfiguration"/> picks by
/// <see cref="EdgeRoute.IsPublic"/>), both on JwtBearer as configured by <c>AddTokenValidation("Gateway:Auth")</c>:
/// authenticated routes need a valid token naming a user; public routes need none, but a token that is sent is
/// always checked, so a forged or expired one is refused there too. Refusals are written by <see cref="BearerChallenge"/>.
/// </summary>
public static class EdgeAuthorization
{
    public static void AddPolicies(AuthorizationOptions options)
    {
        options.AddPolicy(ProxyConfiguration.AuthenticatedPolicy, policy => policy
            .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new SentTokenIsValid()));
        options.AddPolicy(ProxyConfiguration.PublicPolicy, policy => policy
            .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme)
            .AddRequirements(new SentTokenIsValid()));
    }
}

/// <summary>
/// Met when the request sends no Authorization header, or when JwtBearer accepted the one it sends and it names a
/// user ("sub"). Its own handler (ASP.NET Core's pass-through for requirements that are handlers).
/// </summary>
public sealed class SentTokenIsValid : AuthorizationHandler<SentTokenIsValid>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SentTokenIsValid requirement)
    {
        var sentNone = context.Resource is HttpContext http && http.Request.Headers.Authorization.Count == 0;
        if (sentNone || AuthenticatedUser.From(context.User) is not null) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
