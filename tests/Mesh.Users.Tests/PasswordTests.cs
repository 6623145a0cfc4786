using Mesh.Users.Accounts;
using Mesh.Users.Passwords;

namespace Mesh.Users.Tests;

/// <summary>Password hashing, the password policy and email normalisation, without a server.</summary>
public sealed class PasswordTests
{
    [Fact]
    public void Production_default_is_pbkdf2_with_at_least_600k_iterations()
    {
        Assert.True(new PasswordOptions().Iterations >= 600_000);
        Assert.True(new UsersOptions().Passwords.Iterations >= 600_000);
    }

    [Fact]
    public void Hash_verifies_the_right_password_only_and_salts_every_hash()
    {
        var hasher = new PasswordHasher(new PasswordOptions { Iterations = 1_000 });
        var a = hasher.Hash("correct horse battery staple");
        var b = hasher.Hash("correct horse battery staple");
        Assert.NotEqual(a, b);
        Assert.StartsWith("pbkdf2-sha256$1000$", a);
        Assert.True(hasher.Verify("correct horse battery staple", a));
        Assert.False(hasher.Verify("correct horse battery stapler", a));
        Assert.False(hasher.Verify("correct horse battery staple", "pbkdf2-sha256$x$y$z"));
        Assert.False(hasher.VerifyDecoy("correct horse battery staple"));
    }

    [Fact]
    public void A_hash_made_with_other_parameters_needs_a_rehash_and_still_verifies()
    {
        var old = new PasswordHasher(new PasswordOptions { Iterations = 1_000 }).Hash("correct horse battery staple");
        var today = new PasswordHasher(new PasswordOptions { Iterations = 2_000 });
        Assert.True(today.Verify("correct horse battery staple", old));
        Assert.True(today.NeedsRehash(old));
        Assert.False(today.NeedsRehash(today.Hash("correct horse battery staple")));
    }

    [Theory]
    [InlineData("short", "ann@example.org", "at least 10")]
    [InlineData("ann@example.org", "ann@example.org", "email")]
    [InlineData("ANN@EXAMPLE.ORG", "ann@example.org", "email")]
    [InlineData("password123", "ann@example.org", "common")]
    [InlineData("QwertyUiop", "ann@example.org", "common")]
    [InlineData(null, "ann@example.org", "at most 256")]
    [InlineData("correct horse battery staple", "ann@example.org", null)]
    public void Password_policy(string? password, string email, string? problem)
    {
        password ??= new string('x', 257);
        var result = PasswordPolicy.Default.Check(password, email);
        if (problem is null) Assert.Null(result);
        else Assert.Contains(problem, result);
    }

    [Fact]
    public void The_common_password_list_is_shipped() => Assert.True(PasswordPolicy.Default.CommonPasswordCount >= 100);

    [Theory]
    [InlineData("  Ann.Lee@Example.ORG ", "ann.lee@example.org", true)]
    [InlineData("no-at-sign", "no-at-sign", false)]
    [InlineData("two@@example.org", "two@@example.org", false)]
    [InlineData("a@localhost", "a@localhost", false)]
    [InlineData("sp ace@example.org", "sp ace@example.org", false)]
    [InlineData("", "", false)]
    public void Emails_are_normalised_and_checked(string input, string normalised, bool valid)
    {
        Assert.Equal(normalised, EmailAddress.Normalize(input));
        Assert.Equal(valid, EmailAddress.Check(EmailAddress.Normalize(input)) is null);
    }
}
