using Mesh.Analytics.Aggregation;
using Mesh.Analytics.Ingestion;
using Mesh.Analytics.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Analytics;

/// <summary>Trending (public), a user's history (the user or staff) and a show's funnel (staff).</summary>
public sealed partial class AnalyticsApi
{
    public override async Task<GetTrendingResponse> GetTrending(GetTrendingRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        if (request.City.Length == 0) violations.Add("city", "is required");
        violations.MaxLength("city", request.City, 64);
        if (!Enum.IsDefined(request.Window)) violations.Add("window", "must be ONE_HOUR or ONE_DAY");
        if (request.Kind.Length > 0 && !ItemNames.Kinds.Contains(request.Kind))
            violations.Add("kind", "must be events, shows, services, products or venues");
        var size = PageSize(violations, request.PageSize, 20, 100);
        violations.ThrowIfAny();
        var top = await trending.TopAsync(request.City, TrendingBoard.For(request.Window), request.Kind, size);
        return new GetTrendingResponse { Items = { top } };
    }

    public override async Task<GetUserHistoryResponse> GetUserHistory(GetUserHistoryRequest request, ServerCallContext context)
    {
        var caller = context.RequireUser();
        var violations = new FieldViolations();
        if (request.UserId.Length == 0) violations.Add("user_id", "is required");
        violations.MaxLength("user_id", request.UserId, 200);
        var size = PageSize(violations, request.PageSize, 100, 500);
        violations.ThrowIfAny();
        if (caller.Subject != request.UserId && !IsStaff(caller))
            throw new RpcException(new Status(StatusCode.PermissionDenied, "Only the user themself or staff may read a user's history."));
        var events = await aggregates.HistoryAsync(request.UserId, size, context.CancellationToken);
        return new GetUserHistoryResponse { Events = { events } };
    }

    public override async Task<Funnel> GetFunnel(GetFunnelRequest request, ServerCallContext context)
    {
        context.RequireRole(StaffRoles);
        var showId = FieldViolations.RequireUuid("show_id", request.ShowId);
        return await aggregates.FunnelAsync(showId, context.CancellationToken);
    }

    private static int PageSize(FieldViolations violations, int requested, int fallback, int max)
    {
        if (requested == 0) return fallback;
        if (requested < 0 || requested > max) violations.Add("page_size", $"must be between 1 and {max}");
        return requested;
    }
}
