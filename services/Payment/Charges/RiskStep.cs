using Mesh.Analytics.V1;
using Mesh.ServiceDefaults.Risk;

namespace Mesh.Payment.Charges;

/// <summary>
/// Where a new payment asks the analytics service whether it looks like card testing or a bot (CheckRisk PAYMENT, with
/// the card's keyed fingerprint). Returns when the charge may go ahead; throws FAILED_PRECONDITION RISK_BLOCKED on
/// BLOCK, before the provider is asked. Without analytics in the mesh it is <see cref="NoRiskChecks"/>.
/// </summary>
public interface IRiskStep
{
    Task CheckAsync(Guid userId, string cardFingerprint, ServerCallContext context);
}

/// <summary>Payment run without the analytics service: every charge goes ahead.</summary>
public sealed class NoRiskChecks : IRiskStep
{
    public Task CheckAsync(Guid userId, string cardFingerprint, ServerCallContext context) => Task.CompletedTask;
}

/// <summary>
/// CheckRisk with a tight deadline (Payment:RiskCheckTimeout, 100 ms by default); analytics down, slow or failing lets
/// the charge go ahead and logs why (fail open, docs/decisions/0014). A CHALLENGE goes ahead and is logged.
/// </summary>
public sealed class AnalyticsRiskStep(Mesh.Analytics.V1.Analytics.AnalyticsClient analytics, PaymentOptions options, ILogger<AnalyticsRiskStep> logger) : IRiskStep
{
    public async Task CheckAsync(Guid userId, string cardFingerprint, ServerCallContext context)
    {
        var signals = CallerSignals.From(context);
        var request = new CheckRiskRequest
        {
            Action = RiskAction.Payment, UserId = userId.ToString(), CardFingerprint = cardFingerprint, Ip = signals.Ip, DeviceId = signals.DeviceId,
        };
        if (signals.UserAgent.Length > 0) request.Attributes["user_agent"] = signals.UserAgent;
        var answer = await FailOpen.CallAsync(
            ct => analytics.CheckRiskAsync(request, deadline: DateTime.UtcNow + options.RiskCheckTimeout, cancellationToken: ct).ResponseAsync,
            logger, $"CheckRisk for Payment of user {userId}", context.CancellationToken);
        switch (answer?.Decision)
        {
            case RiskDecision.Block:
                logger.LogWarning("Risk BLOCK of a payment by user {UserId}: {Reasons} (case {CaseId})", userId, string.Join(",", answer.Reasons), answer.CaseId);
                throw PaymentErrors.RiskBlocked(answer.Reasons, answer.CaseId);
            case RiskDecision.Challenge:
                logger.LogInformation("Risk CHALLENGE of a payment by user {UserId}: {Reasons} (case {CaseId}); allowed", userId, string.Join(",", answer.Reasons), answer.CaseId);
                break;
        }
    }
}
