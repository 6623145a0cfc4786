namespace Mesh.Users.Accounts;

/// <summary>
/// Email addresses as accounts use them: trimmed and lower-cased (so "Ann@X.org" and "ann@x.org" are one account),
/// and checked for a plausible shape — one @, a local part of 1-64 characters, a dotted domain, no spaces or controls.
/// Deliverability is not checked here.
/// </summary>
public static class EmailAddress
{
    public const int MaxLength = 254;

    public static string Normalize(string email) => email.Trim().ToLowerInvariant();

    /// <summary>Why a normalised address is unacceptable, or null.</summary>
    public static string? Check(string normalized)
    {
        if (normalized.Length == 0) return "is required";
        if (normalized.Length > MaxLength) return $"must be at most {MaxLength} characters";
        var at = normalized.IndexOf('@');
        if (at <= 0 || at != normalized.LastIndexOf('@') || at > 64) return "is not an email address";
        var domain = normalized[(at + 1)..];
        if (domain.Length < 3 || !domain.Contains('.') || domain.StartsWith('.') || domain.EndsWith('.') || domain.Contains(".."))
            return "is not an email address";
        if (normalized.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '(' or ')' or ',' or ';' or ':' or '\\' or '"' or '[' or ']'))
            return "is not an email address";
        return null;
    }
}
