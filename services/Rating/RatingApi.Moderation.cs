using Mesh.Rating.Reviews;
using Mesh.Rating.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Rating;

// Helpful votes, reports by customers, and moderators' hide and restore.
public sealed partial class RatingApi
{
    public override async Task<Review> VoteReview(VoteReviewRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var id = FieldViolations.RequireUuid("id", request.Id);
        var change = Changed(await store.VoteAsync(id, user.Subject, Now(), context.CancellationToken), request.Id, "vote on");
        return ToProto(change.Review!, user);
    }

    public override async Task<Review> ReportReview(ReportReviewRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var violations = new FieldViolations();
        var id = violations.Uuid("id", request.Id);
        ReviewInput.Text(violations, "reason", request.Reason, ReviewInput.MaxReason);
        violations.ThrowIfAny();
        var change = Changed(await store.ReportAsync(id!.Value, user.Subject, request.Reason, options.ReportsToHide, Now(), context.CancellationToken), request.Id, "report");
        await RefreshAsync(change.Aggregate);
        return ToProto(change.Review!, user);
    }

    public override Task<Review> HideReview(ModerateReviewRequest request, ServerCallContext context) => ModerateAsync(request, hide: true, context);

    public override Task<Review> RestoreReview(ModerateReviewRequest request, ServerCallContext context) => ModerateAsync(request, hide: false, context);

    private async Task<Review> ModerateAsync(ModerateReviewRequest request, bool hide, ServerCallContext context)
    {
        var user = context.RequireRole(Moderator, Admin);
        var violations = new FieldViolations();
        var id = violations.Uuid("id", request.Id);
        ReviewInput.Text(violations, "reason", request.Reason, ReviewInput.MaxReason);
        violations.ThrowIfAny();
        var change = Changed(await store.ModerateAsync(id!.Value, hide, user.Subject, request.Reason, Now(), context.CancellationToken), request.Id, hide ? "hide" : "restore");
        await RefreshAsync(change.Aggregate);
        return ToProto(change.Review!, user);
    }
}
