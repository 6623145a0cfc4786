using Mesh.Analytics.V1;
using Mesh.ServiceDefaults.Risk;

namespace Mesh.Users.SignIn;

/// <summary>
/// Where a sign-in asks the analytics service whether it looks like credential stuffing or a bot (CheckRisk SIGN_IN,
/// before the password is checked). Returns when the sign-in may go ahead; throws PERMISSION_DENIED RISK_BLOCKED on
/// BLOCK. Without analytics in the mesh it is <see cref="NoRiskChecks"/>.
/// </summary>
public interface IRiskStep
{
    /// <param name="userId">The account the email names, or "" for none (the check then rests on IP and device).</param>
    Task CheckAsync(string userId, string ip, ServerCallContext context);
}

/// <summary>Users run without the analytics service: every sign-in goes ahead to the password check.</summary>
public sealed class NoRiskChecks : IRiskStep
{
    public Task CheckAsync(string userId, string ip, ServerCallContext context) => Task.CompletedTask;
}

/// <summary>
/// CheckRisk with a tight deadline (Users:RiskCheckTimeout, 100 ms by default); analytics down, slow or failing lets the
/// sign-in go ahead and logs why (fail open, docs/decisions/0014). A CHALLENGE goes ahead (no second factor yet) and is logged.
/// </summary>
public sealed class AnalyticsRiskStep(Mesh.Analytics.V1.Analytics.AnalyticsClient analytics, UsersOptions options, ILogger<AnalyticsRiskStep> logger) : IRiskStep
{
    public async Task CheckAsync(string userId, string ip, ServerCallContext context)
    {
        var signals = CallerSignals.From(context);
        var request = new CheckRiskRequest { Action = RiskAction.SignIn, UserId = userId, Ip = ip, DeviceId = signals.DeviceId };
        if (signals.UserAgent.Length > 0) request.Attributes["user_agent"] = signals.UserAgent;
        var answer = await FailOpen.CallAsync(
            ct => analytics.CheckRiskAsync(request, deadline: DateTime.UtcNow + options.RiskCheckTimeout, cancellationToken: ct).ResponseAsync,
            logger, $"CheckRisk for SignIn from {ip}", context.CancellationToken);
        switch (answer?.Decision)
        {
            case RiskDecision.Block:
                logger.LogWarning("Risk BLOCK of a sign-in from {Ip}: {Reasons} (case {CaseId})", ip, string.Join(",", answer.Reasons), answer.CaseId);
                var info = new Google.Rpc.ErrorInfo { Reason = "RISK_BLOCKED", Domain = "users.mesh" };
                info.Metadata["reasons"] = string.Join(",", answer.Reasons);
                info.Metadata["case_id"] = answer.CaseId;
                throw new Google.Rpc.Status
                {
                    Code = (int)Google.Rpc.Code.PermissionDenied,
                    Message = $"This sign-in was refused by the fraud and bot checks; contact support with case {answer.CaseId} if this is wrong.",
                }.WithDetail(info).ToRpcException();
            case RiskDecision.Challenge:
                logger.LogInformation("Risk CHALLENGE of a sign-in from {Ip}: {Reasons} (case {CaseId}); allowed", ip, string.Join(",", answer.Reasons), answer.CaseId);
                break;
        }
    }
}
