using System.Text.Json;
using Dapper;
using Mesh.Analytics.V1;
using Npgsql;

namespace Mesh.Analytics.Risk;

/// <summary>Risk cases (CHALLENGE and BLOCK answers) for staff review, newest first (uuid v7 ids), paged by the last id seen.</summary>
public sealed class RiskCaseStore(NpgsqlDataSource db)
{
    public async Task<Guid> OpenAsync(CheckRiskRequest request, RiskDecision decision, IReadOnlyList<string> reasons, DateTime now, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7(new DateTimeOffset(now));
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO risk_cases (id, action, decision, reasons, user_id, ip, device_id, card_fingerprint, item, attributes, create_time)
            VALUES (@id, @action, @decision, @reasons, @UserId, @Ip, @DeviceId, @CardFingerprint, @Item, @attributes::jsonb, @now)
            """, new
        {
            id, action = Name(request.Action), decision = decision == RiskDecision.Block ? "BLOCK" : "CHALLENGE", reasons = reasons.ToArray(),
            request.UserId, request.Ip, request.DeviceId, request.CardFingerprint, request.Item,
            attributes = JsonSerializer.Serialize(request.Attributes.ToDictionary(a => a.Key, a => a.Value)), now,
        }, cancellationToken: cancellationToken));
        return id;
    }

    /// <summary>Up to <paramref name="limit"/> cases older than <paramref name="before"/> (null = from the newest), newest first.</summary>
    public async Task<IReadOnlyList<RiskCase>> ListAsync(Guid? before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(Guid Id, string Action, string Decision, string[] Reasons, string UserId, string Ip, string DeviceId, string CardFingerprint, DateTime CreateTime)>(
            new CommandDefinition("""
                SELECT id, action, decision, reasons, user_id, ip, device_id, card_fingerprint, create_time FROM risk_cases
                WHERE @before::uuid IS NULL OR id < @before ORDER BY id DESC LIMIT @limit
                """, new { before, limit }, cancellationToken: cancellationToken));
        return rows.Select(r => new RiskCase
        {
            Id = r.Id.ToString(), Action = Enum.Parse<RiskAction>(Pascal(r.Action)), Decision = r.Decision == "BLOCK" ? RiskDecision.Block : RiskDecision.Challenge,
            Reasons = { r.Reasons }, UserId = r.UserId, Ip = r.Ip, DeviceId = r.DeviceId, CardFingerprint = r.CardFingerprint,
            CreateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.SpecifyKind(r.CreateTime, DateTimeKind.Utc)),
        }).ToList();
    }

    private static string Name(RiskAction action) => action switch
    {
        RiskAction.SignIn => "SIGN_IN", RiskAction.Hold => "HOLD", RiskAction.Checkout => "CHECKOUT", RiskAction.Payment => "PAYMENT",
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    private static string Pascal(string name) => string.Concat(name.Split('_').Select(p => p[..1] + p[1..].ToLowerInvariant()));
}
