namespace Mesh.Users.Passwords;

/// <summary>
/// What a new password must be: 10-256 characters, not the email (or its local part), not in the shipped list of
/// common passwords. Returns the reason, or null when the password is acceptable.
/// </summary>
public sealed class PasswordPolicy
{
    public const int MinLength = 10;
    // Long enough for any passphrase, short enough that hashing it is no denial-of-service lever.
    public const int MaxLength = 256;

    private readonly HashSet<string> _common;

    public PasswordPolicy(IEnumerable<string> commonPasswords) =>
        _common = new HashSet<string>(commonPasswords, StringComparer.OrdinalIgnoreCase);

    /// <summary>The list shipped in this assembly (Passwords/common-passwords.txt).</summary>
    public static PasswordPolicy Default { get; } = new(LoadShippedList());

    public int CommonPasswordCount => _common.Count;

    public string? Check(string password, string? email)
    {
        if (password.Length < MinLength) return $"must be at least {MinLength} characters";
        if (password.Length > MaxLength) return $"must be at most {MaxLength} characters";
        if (email is { Length: > 0 })
        {
            var local = email.Split('@')[0];
            if (string.Equals(password, email, StringComparison.OrdinalIgnoreCase) || string.Equals(password, local, StringComparison.OrdinalIgnoreCase))
                return "must not be the email address";
        }
        if (_common.Contains(password)) return "is too common; choose another";
        return null;
    }

    private static IEnumerable<string> LoadShippedList()
    {
        using var stream = typeof(PasswordPolicy).Assembly.GetManifestResourceStream("common-passwords.txt")
            ?? throw new InvalidOperationException("The common-passwords list is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        var list = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            line = line.Trim();
            if (line.Length > 0 && !line.StartsWith('#')) list.Add(line);
        }
        return list;
    }
}
