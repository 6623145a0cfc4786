namespace Mesh.Users;

/// <summary>
/// <c>Users</c> configuration. Every default is the production value; tests lower only what would make them slow
/// (password hashing cost) and say so.
/// </summary>
public sealed class UsersOptions
{
    public const string SectionName = "Users";

    /// <summary>Connection string names (ConnectionStrings:{name}).</summary>
    public string Database { get; set; } = "usersdb";
    public string Redis { get; set; } = "cache";

    /// <summary>Prefix of every Redis key this service writes (several services share one Redis).</summary>
    public string RedisKeyPrefix { get; set; } = "users:";

    public PasswordOptions Passwords { get; set; } = new();
    public TokenOptions Tokens { get; set; } = new();
    public SignInLimitOptions SignInLimits { get; set; } = new();

    /// <summary>How long a sign-in waits for the analytics service's CheckRisk before going ahead unchecked (fail open).</summary>
    public TimeSpan RiskCheckTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Emails that get the admin role when they register (bootstraps the first admin of a deployment).</summary>
    public List<string> BootstrapAdmins { get; set; } = [];
}

public sealed class PasswordOptions
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA256. Hashes with fewer are upgraded at the next sign-in.</summary>
    public const int ProductionIterations = 600_000;

    public int Iterations { get; set; } = ProductionIterations;
}

public sealed class TokenOptions
{
    /// <summary>The longest an access token may live, whatever is configured.</summary>
    public static readonly TimeSpan MaxAccessTokenLifetime = TimeSpan.FromMinutes(15);

    public string Issuer { get; set; } = Mesh.ServiceDefaults.Auth.MeshTokens.DefaultIssuer;
    public string Audience { get; set; } = Mesh.ServiceDefaults.Auth.MeshTokens.DefaultAudience;
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>A new signing key is made when the newest is this old; the previous one keeps verifying for as long again.</summary>
    public TimeSpan KeyRotationPeriod { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// A new key is published this long before it signs, so validators that cache the JWKS (10 minutes) know it
    /// before the first token naming it arrives.
    /// </summary>
    public TimeSpan KeyPublishLead { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan EffectiveAccessTokenLifetime =>
        AccessTokenLifetime <= TimeSpan.Zero || AccessTokenLifetime > MaxAccessTokenLifetime ? MaxAccessTokenLifetime : AccessTokenLifetime;
}

public sealed class SignInLimitOptions
{
    /// <summary>Failed sign-ins for one email before it is locked.</summary>
    public int AccountFailures { get; set; } = 5;

    /// <summary>Failed sign-ins from one IP (any email) before it is locked.</summary>
    public int IpFailures { get; set; } = 50;

    /// <summary>The first lock-out; each further one doubles, up to <see cref="MaxLockout"/>.</summary>
    public TimeSpan BaseLockout { get; set; } = TimeSpan.FromMinutes(1);
    public TimeSpan MaxLockout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long failure counts (and the growth of lock-outs) are remembered after the last failure.</summary>
    public TimeSpan Memory { get; set; } = TimeSpan.FromDays(1);
}
