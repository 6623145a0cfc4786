using Dapper;
using Mesh.Users.Accounts;
using Npgsql;

namespace Mesh.Users;

/// <summary>A signing key as stored: its id, PKCS#8 private key and birth.</summary>
public sealed record StoredSigningKey(string Kid, byte[] PrivateKey, DateTime CreateTime);

/// <summary>
/// All SQL of the users service, parameterised (Dapper), against usersdb. Constraint violations that callers can
/// cause (a taken email) come back as results, not exceptions.
/// </summary>
public sealed class UsersStore(NpgsqlDataSource db)
{
    // Dapper fills properties (Npgsql reports text[] as System.Array, which no record constructor matches).
    private sealed class UserRow
    {
        public Guid Id { get; set; }
        public string Email { get; set; } = "";
        public string DisplayName { get; set; } = "";
        public string PasswordHash { get; set; } = "";
        public string[] Roles { get; set; } = [];
        public DateTime CreateTime { get; set; }
        public DateTime UpdateTime { get; set; }

        public UserAccount ToAccount() => new(Id, Email, DisplayName, PasswordHash, Roles, CreateTime, UpdateTime);
    }

    private const string UserColumns = "id, email, display_name AS DisplayName, password_hash AS PasswordHash, roles, create_time AS CreateTime, update_time AS UpdateTime";

    /// <summary>Applies the embedded Migrations/*.sql not yet applied, in name order, each in its own transaction, one replica at a time.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await Mesh.ServiceDefaults.Data.SqlMigrations.ApplyAsync(db, typeof(UsersStore).Assembly, cancellationToken);
    }

    /// <summary>Inserts an account; false when the email is taken (case-insensitively).</summary>
    public async Task<bool> TryCreateAsync(UserAccount user)
    {
        await using var connection = await db.OpenConnectionAsync();
        var inserted = await connection.ExecuteAsync("""
            INSERT INTO users (id, email, display_name, password_hash, roles, create_time, update_time)
            VALUES (@Id, @Email, @DisplayName, @PasswordHash, @Roles, @CreateTime, @UpdateTime)
            ON CONFLICT DO NOTHING
            """, user);
        return inserted == 1;
    }

    public async Task<UserAccount?> FindByEmailAsync(string normalizedEmail)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QuerySingleOrDefaultAsync<UserRow>($"SELECT {UserColumns} FROM users WHERE lower(email) = lower(@normalizedEmail)", new { normalizedEmail }))?.ToAccount();
    }

    public async Task<UserAccount?> FindAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QuerySingleOrDefaultAsync<UserRow>($"SELECT {UserColumns} FROM users WHERE id = @id", new { id }))?.ToAccount();
    }

    /// <summary>A page in id order (ids are UUIDv7, so oldest first), after <paramref name="afterId"/>.</summary>
    public async Task<IReadOnlyList<UserAccount>> ListAsync(Guid? afterId, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<UserRow>(
            $"SELECT {UserColumns} FROM users WHERE (@afterId::uuid IS NULL OR id > @afterId) ORDER BY id LIMIT @limit", new { afterId, limit });
        return rows.Select(r => r.ToAccount()).ToList();
    }

    public async Task<UserAccount?> UpdateDisplayNameAsync(Guid id, string displayName, DateTime now)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QuerySingleOrDefaultAsync<UserRow>(
            $"UPDATE users SET display_name = @displayName, update_time = @now WHERE id = @id RETURNING {UserColumns}", new { id, displayName, now }))?.ToAccount();
    }

    public async Task<UserAccount?> UpdateRolesAsync(Guid id, string[] roles, DateTime now)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QuerySingleOrDefaultAsync<UserRow>(
            $"UPDATE users SET roles = @roles, update_time = @now WHERE id = @id RETURNING {UserColumns}", new { id, roles, now }))?.ToAccount();
    }

    /// <summary>Replaces a password hash only if it is still <paramref name="expectedHash"/> (a concurrent change wins).</summary>
    public async Task<bool> ReplacePasswordHashAsync(Guid id, string expectedHash, string newHash, DateTime now)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteAsync(
            "UPDATE users SET password_hash = @newHash, update_time = @now WHERE id = @id AND password_hash = @expectedHash",
            new { id, expectedHash, newHash, now }) == 1;
    }

    /// <summary>Signing keys born after <paramref name="since"/>, newest first.</summary>
    public async Task<IReadOnlyList<StoredSigningKey>> SigningKeysSinceAsync(DateTime since)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<StoredSigningKey>(
            "SELECT kid, private_key AS PrivateKey, create_time AS CreateTime FROM signing_keys WHERE create_time > @since ORDER BY create_time DESC", new { since });
        return rows.AsList();
    }

    public async Task AddSigningKeyAsync(StoredSigningKey key)
    {
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync("INSERT INTO signing_keys (kid, private_key, create_time) VALUES (@Kid, @PrivateKey, @CreateTime)", key);
    }
}
