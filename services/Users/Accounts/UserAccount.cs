namespace Mesh.Users.Accounts;

/// <summary>A row of the users table.</summary>
public sealed record UserAccount(Guid Id, string Email, string DisplayName, string PasswordHash, string[] Roles, DateTime CreateTime, DateTime UpdateTime)
{
    public string ResourceName => $"users/{Id}";

    /// <summary>users/{uuid} → the id, or null when the name is not of that form.</summary>
    public static Guid? ParseName(string name) =>
        name.StartsWith("users/", StringComparison.Ordinal) && Guid.TryParseExact(name["users/".Length..], "D", out var id) ? id : null;
}
