using System.Text.Json;
using Dapper;
using Npgsql;

namespace Mesh.Notification.Preferences;

/// <summary>The preferences table: read (defaults when the user never saved any) and written whole.</summary>
public sealed class PreferenceStore(NpgsqlDataSource db)
{
    private const string Columns = "user_id AS UserId, channels::text AS Channels, quiet_start AS QuietStart, quiet_end AS QuietEnd, time_zone AS TimeZone, unsubscribed, locale, email, phone, home_city_id AS HomeCityId, update_time AS UpdateTime";

    public async Task<UserPreferences> GetAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await GetAsync(connection, null, userId);
    }

    public static async Task<UserPreferences> GetAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM preferences WHERE user_id = @userId", new { userId }, transaction);
        return row?.ToPreferences() ?? UserPreferences.Default(userId);
    }

    public async Task<UserPreferences> SaveAsync(UserPreferences p, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<Row>($"""
            INSERT INTO preferences (user_id, channels, quiet_start, quiet_end, time_zone, unsubscribed, locale, email, phone, home_city_id, update_time)
            VALUES (@UserId, @Channels::jsonb, @QuietStart::time, @QuietEnd::time, @TimeZone, @Unsubscribed, @Locale, @Email, @Phone, @HomeCityId, @Now)
            ON CONFLICT (user_id) DO UPDATE SET channels = EXCLUDED.channels, quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end,
                time_zone = EXCLUDED.time_zone, unsubscribed = EXCLUDED.unsubscribed, locale = EXCLUDED.locale, email = EXCLUDED.email,
                phone = EXCLUDED.phone, home_city_id = EXCLUDED.home_city_id, update_time = EXCLUDED.update_time
            RETURNING {Columns}
            """, new
        {
            p.UserId, Channels = JsonSerializer.Serialize(p.Channels.ToDictionary(c => c.Key, c => new { email = c.Value.Email, sms = c.Value.Sms })),
            QuietStart = p.QuietStart?.ToTimeSpan(), QuietEnd = p.QuietEnd?.ToTimeSpan(), p.TimeZone, p.Unsubscribed, p.Locale, p.Email, p.Phone, p.HomeCityId,
            Now = now.UtcDateTime,
        });
        return row.ToPreferences();
    }

    private sealed class Row
    {
        public Guid UserId { get; set; }
        public string Channels { get; set; } = "{}";
        public TimeSpan? QuietStart { get; set; }
        public TimeSpan? QuietEnd { get; set; }
        public string TimeZone { get; set; } = "UTC";
        public bool Unsubscribed { get; set; }
        public string Locale { get; set; } = "en";
        public string? Email { get; set; }
        public string? Phone { get; set; }
        public string? HomeCityId { get; set; }
        public DateTime UpdateTime { get; set; }

        public UserPreferences ToPreferences()
        {
            var channels = JsonSerializer.Deserialize<Dictionary<string, ChoiceJson>>(Channels) ?? [];
            return new UserPreferences(UserId, channels.ToDictionary(c => c.Key, c => new ChannelChoice(c.Value.email, c.Value.sms)),
                QuietStart is { } s ? TimeOnly.FromTimeSpan(s) : null, QuietEnd is { } e ? TimeOnly.FromTimeSpan(e) : null,
                TimeZone, Unsubscribed, Locale, Email, Phone, HomeCityId, new DateTimeOffset(DateTime.SpecifyKind(UpdateTime, DateTimeKind.Utc)));
        }
    }

    private sealed record ChoiceJson(bool email, bool sms);
}
