using Mesh.Users.V1;

namespace Mesh.Users.Accounts;

/// <summary>Roles as the database and tokens spell them ("support_agent") and as the contract does (Role.SupportAgent).</summary>
public static class Roles
{
    public const string Customer = "customer";
    public const string Partner = "partner";
    public const string SupportAgent = "support_agent";
    public const string Admin = "admin";
    public const string Moderator = "moderator";

    public static string ToName(Role role) => role switch
    {
        Role.Customer => Customer,
        Role.Partner => Partner,
        Role.SupportAgent => SupportAgent,
        Role.Admin => Admin,
        Role.Moderator => Moderator,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a role"),
    };

    public static Role FromName(string name) => name switch
    {
        Customer => Role.Customer,
        Partner => Role.Partner,
        SupportAgent => Role.SupportAgent,
        Admin => Role.Admin,
        Moderator => Role.Moderator,
        _ => Role.Unspecified,
    };

    public static bool IsDefined(Role role) => role is Role.Customer or Role.Partner or Role.SupportAgent or Role.Admin or Role.Moderator;
}
