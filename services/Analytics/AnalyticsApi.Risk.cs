using Mesh.Analytics.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Analytics;

/// <summary>
/// CheckRisk: the attempt is recorded in its windows first (refused attempts count too), then the rules read them; a
/// CHALLENGE or BLOCK opens a risk case. Mesh-internal (no REST route; Istio lets only its callers in). Risk cases: staff.
/// </summary>
public sealed partial class AnalyticsApi
{
    public override async Task<CheckRiskResponse> CheckRisk(CheckRiskRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        if (request.Action == RiskAction.Unspecified || !Enum.IsDefined(request.Action))
            violations.Add("action", "must be SIGN_IN, HOLD, CHECKOUT or PAYMENT");
        if (request.UserId.Length == 0 && request.Ip.Length == 0 && request.DeviceId.Length == 0)
            violations.Add("user_id", "or ip or device_id is required (whose risk is it?)");
        foreach (var (field, value) in new[] { ("user_id", request.UserId), ("ip", request.Ip), ("device_id", request.DeviceId),
                     ("card_fingerprint", request.CardFingerprint), ("item", request.Item) })
            violations.MaxLength(field, value, 200);
        if (request.Attributes.Count > 20) violations.Add("attributes", "must hold at most 20 entries");
        violations.ThrowIfAny();

        var now = time.GetUtcNow();
        var counts = await signals.RecordAndReadAsync(request, now);
        var (decision, reasons) = rules.Evaluate(request, counts);
        var response = new CheckRiskResponse { Decision = decision, Reasons = { reasons } };
        if (decision != RiskDecision.Allow)
        {
            var id = await caseWriter.OpenAsync(request, decision, reasons, now.UtcDateTime, context.CancellationToken);
            response.CaseId = id.ToString();
            logger.LogInformation("Risk {Decision} for {Action} (user {UserId}): {Reasons}; case {CaseId}", decision, request.Action, request.UserId, string.Join(",", reasons), id);
        }
        return response;
    }

    public override async Task<ListRiskCasesResponse> ListRiskCases(ListRiskCasesRequest request, ServerCallContext context)
    {
        context.RequireRole(StaffRoles);
        var violations = new FieldViolations();
        var size = PageSize(violations, request.PageSize, 20, 100);
        Guid? before = null;
        if (request.PageToken.Length > 0)
        {
            if (Guid.TryParseExact(request.PageToken, "N", out var last)) before = last;
            else violations.Add("page_token", "is not a token this method returned");
        }
        violations.ThrowIfAny();
        var page = await cases.ListAsync(before, size + 1, context.CancellationToken);
        var response = new ListRiskCasesResponse { Cases = { page.Take(size) } };
        if (page.Count > size) response.NextPageToken = Guid.Parse(page[size - 1].Id).ToString("N");
        return response;
    }
}
