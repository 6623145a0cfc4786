using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mesh.Users.Passwords;

/// <summary>
/// PBKDF2-HMAC-SHA256 with a 16-byte random salt, stored as <c>pbkdf2-sha256$iterations$salt$hash</c> (base64) so
/// the cost can be raised later: <see cref="NeedsRehash"/> tells sign-in to re-hash with today's cost.
/// </summary>
public sealed class PasswordHasher(PasswordOptions options)
{
    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    // Verified instead of a real hash when the email is unknown, so both paths cost the same (no timing oracle).
    private readonly Lazy<string> _decoy = new(() => new PasswordHasher(options).Hash("decoy password for unknown emails"));

    public int Iterations => options.Iterations;

    public string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, options.Iterations);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${options.Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    public bool Verify(string password, string stored)
    {
        if (!TryParse(stored, out var iterations, out var salt, out var expected)) return false;
        return CryptographicOperations.FixedTimeEquals(Derive(password, salt, iterations), expected);
    }

    /// <summary>Spends the same work as a real verification and fails.</summary>
    public bool VerifyDecoy(string password)
    {
        Verify(password, _decoy.Value);
        return false;
    }

    public bool NeedsRehash(string stored) => !TryParse(stored, out var iterations, out _, out _) || iterations != options.Iterations;

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);

    private static bool TryParse(string stored, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 1)
            return false;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
            return hash.Length == HashBytes;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
