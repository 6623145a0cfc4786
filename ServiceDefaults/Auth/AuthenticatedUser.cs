using System.Security.Claims;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>Who a validated token says the caller is: its subject, roles and every other claim, by their JWT names.</summary>
public sealed class AuthenticatedUser(string subject, ClaimsPrincipal principal)
{
    public string Subject { get; } = subject;

    public ClaimsPrincipal Principal { get; } = principal;

    /// <summary>The "roles" claim (a JSON array in the token becomes one claim per role).</summary>
    public IReadOnlyList<string> Roles => Principal.FindAll("roles").Select(c => c.Value).ToList();

    public bool IsInRole(string role) => Principal.HasClaim("roles", role);

    /// <summary>A claim's value, or null.</summary>
    public string? Claim(string name) => Principal.FindFirst(name)?.Value;

    /// <summary>The user of an authenticated principal (JwtBearer with inbound claim mapping off), or null.</summary>
    public static AuthenticatedUser? From(ClaimsPrincipal? principal) =>
        principal?.Identity?.IsAuthenticated == true && principal.FindFirst("sub")?.Value is { Length: > 0 } subject
            ? new AuthenticatedUser(subject, principal)
            : null;
}
