using System.Security.Cryptography;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Users.Tokens;

/// <summary>An ES256 key this service signs with (or signed with recently).</summary>
public sealed record SigningKey(string Kid, ECDsa Key, DateTimeOffset CreateTime);

/// <summary>
/// The signing keys, kept in usersdb so every replica signs with the same ones. A new key is made
/// <see cref="TokenOptions.KeyPublishLead"/> before the newest is <see cref="TokenOptions.KeyRotationPeriod"/> old and
/// is published at once, but signs only once it is KeyPublishLead old (validators' caches know it by then); keys
/// younger than twice the period are published (JWKS, GetSigningKeys), so tokens signed before a rotation still verify. Replicas re-read the
/// table at least every <see cref="ReloadInterval"/> and whenever a token names a kid they do not know.
/// It is also where this service's own JwtBearer finds the keys (<see cref="KeyRingConfigurationManager"/>): it validates
/// its tokens without asking itself over HTTP.
/// </summary>
public sealed class SigningKeyRing(UsersStore store, TokenOptions options, TimeProvider time)
{
    public static readonly TimeSpan ReloadInterval = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _lock = new(1, 1);
    private IReadOnlyList<SigningKey> _keys = [];
    private DateTimeOffset _loaded = DateTimeOffset.MinValue;

    /// <summary>The key to sign with now; makes the next one when the newest is due for rotation (or there is none).</summary>
    public async Task<SigningKey> GetActiveAsync(CancellationToken cancellationToken)
    {
        var keys = await GetPublishedAsync(cancellationToken);
        if (!IsRotationDue(keys)) return Signer(keys);
        await _lock.WaitAsync(cancellationToken);
        try
        {
            await ReloadAsync();
            if (!IsRotationDue(_keys)) return Signer(_keys);
            // Two replicas rotating at once both add a key: harmless, both are published and the newest signs.
            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var kid = Base64Url.Encode(RandomNumberGenerator.GetBytes(12));
            await store.AddSigningKeyAsync(new StoredSigningKey(kid, created.ExportPkcs8PrivateKey(), time.GetUtcNow().UtcDateTime));
            await ReloadAsync();
            return Signer(_keys);
        }
        finally
        {
            _lock.Release();
        }
    }

    private bool IsRotationDue(IReadOnlyList<SigningKey> keys) =>
        keys.Count == 0 || time.GetUtcNow() - keys[0].CreateTime >= options.KeyRotationPeriod - options.KeyPublishLead;

    /// <summary>The newest key published for long enough; the oldest one when none is (a fresh deployment).</summary>
    private SigningKey Signer(IReadOnlyList<SigningKey> keys)
    {
        var now = time.GetUtcNow();
        return keys.FirstOrDefault(k => now - k.CreateTime >= options.KeyPublishLead) ?? keys[^1];
    }

    /// <summary>The keys that may have signed a live token, newest first.</summary>
    public async Task<IReadOnlyList<SigningKey>> GetPublishedAsync(CancellationToken cancellationToken, string? wantedKid = null)
    {
        var now = time.GetUtcNow();
        var due = now - _loaded > ReloadInterval || (wantedKid is not null && _keys.All(k => k.Kid != wantedKid) && now - _loaded > TimeSpan.FromSeconds(1));
        if (due)
        {
            await _lock.WaitAsync(cancellationToken);
            try { await ReloadAsync(); }
            finally { _lock.Release(); }
        }
        return _keys.Where(k => now - k.CreateTime < 2 * options.KeyRotationPeriod).ToList();
    }

    /// <summary>The next <see cref="GetPublishedAsync"/> re-reads the table (a token named a key this replica does not know).</summary>
    public void RequestReload() => _loaded = DateTimeOffset.MinValue;

    private async Task ReloadAsync()
    {
        var now = time.GetUtcNow();
        var rows = await store.SigningKeysSinceAsync((now - 2 * options.KeyRotationPeriod).UtcDateTime);
        var previous = _keys.ToDictionary(k => k.Kid);
        _keys = rows.Select(r =>
        {
            if (previous.TryGetValue(r.Kid, out var known)) return known;
            var key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(r.PrivateKey, out _);
            return new SigningKey(r.Kid, key, new DateTimeOffset(DateTime.SpecifyKind(r.CreateTime, DateTimeKind.Utc)));
        }).ToList();
        _loaded = now;
    }
}
