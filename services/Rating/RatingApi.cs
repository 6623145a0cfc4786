using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Mesh.Rating.Aggregates;
using Mesh.Rating.Items;
using Mesh.Rating.Purchases;
using Mesh.Rating.Reviews;
using Mesh.Rating.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Rating;

/// <summary>
/// The gRPC endpoint of reviews: validation (INVALID_ARGUMENT naming the field, before anything is asked or written),
/// the caller (writing needs a token; authors change only their own reviews), the purchase check (booking, with the
/// caller's own token), proto ⇄ row mapping, and the cache refreshed from each write's own aggregate. SQL is in
/// <see cref="ReviewStore"/>. Reads are in RatingApi.Reads.cs, votes, reports and moderation in RatingApi.Moderation.cs.
/// </summary>
public sealed partial class RatingApi(ReviewStore store, PurchaseVerification purchases, RatingCache cache, RatingOptions options, TimeProvider time)
    : V1.Rating.RatingBase
{
    private static readonly string[] EditablePaths = ["stars", "title", "text", "aspects"];

    public override async Task<Review> CreateReview(CreateReviewRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var violations = new FieldViolations();
        var item = ItemName.Parse(violations, "item", request.Item);
        var review = request.Review;
        if (review is null) violations.Add("review", "is required");
        else
        {
            ReviewInput.Stars(violations, "review.stars", review.Stars);
            ReviewInput.Text(violations, "review.title", review.Title, ReviewInput.MaxTitle);
            ReviewInput.Text(violations, "review.text", review.Text, ReviewInput.MaxText);
            ReviewInput.Aspects(violations, "review.aspects", review.Aspects);
        }
        violations.ThrowIfAny();

        var purchase = await purchases.VerifyAsync(item!.Value, context.RequestHeaders.GetValue("authorization")!, context.CancellationToken);
        var now = Now();
        var row = new ReviewRow
        {
            Id = Guid.CreateVersion7(), Item = item.Value.Value, AuthorId = user.Subject, Stars = review!.Stars, Title = review.Title, Body = review.Text,
            Aspects = ReviewInput.AspectsJson(review.Aspects), CreateTime = now, UpdateTime = now,
            Purchase = JsonSerializer.Serialize(new { booking_id = purchase.BookingId, show_id = purchase.ShowId, service_id = purchase.ServiceId, starts_at = purchase.StartsAt }),
        };
        switch (await store.CreateAsync(row, item.Value.Kind, purchase.CityId, context.CancellationToken))
        {
            case ReviewStore.CreateOutcome.Duplicate duplicate:
                throw RatingErrors.AlreadyReviewed(item.Value.Value, duplicate.ExistingId);
            case ReviewStore.CreateOutcome.Created created:
                await RefreshAsync(created.Aggregate);
                return ToProto(created.Review, user);
            default:
                throw new InvalidOperationException("unreachable");
        }
    }

    public override async Task<Review> UpdateReview(UpdateReviewRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var violations = new FieldViolations();
        var id = violations.Uuid("id", request.Id);
        var paths = request.UpdateMask is null || request.UpdateMask.Paths.Count == 0 ? EditablePaths : request.UpdateMask.Paths.Distinct().ToArray();
        foreach (var path in paths.Where(p => !EditablePaths.Contains(p)))
            violations.Add("update_mask", $"\"{path}\" cannot be changed (stars, title, text or aspects)");
        var review = request.Review;
        if (review is null) violations.Add("review", "is required");
        else
        {
            if (paths.Contains("stars")) ReviewInput.Stars(violations, "review.stars", review.Stars);
            if (paths.Contains("title")) ReviewInput.Text(violations, "review.title", review.Title, ReviewInput.MaxTitle);
            if (paths.Contains("text")) ReviewInput.Text(violations, "review.text", review.Text, ReviewInput.MaxText);
            if (paths.Contains("aspects")) ReviewInput.Aspects(violations, "review.aspects", review.Aspects);
        }
        violations.ThrowIfAny();

        var edit = new ReviewStore.Edit(
            paths.Contains("stars") ? review!.Stars : null, paths.Contains("title") ? review!.Title : null,
            paths.Contains("text") ? review!.Text : null, paths.Contains("aspects") ? ReviewInput.AspectsJson(review!.Aspects) : null);
        var change = Changed(await store.UpdateAsync(id!.Value, user.Subject, edit, Now(), context.CancellationToken), request.Id, "change");
        await RefreshAsync(change.Aggregate);
        return ToProto(change.Review!, user);
    }

    public override async Task<Empty> DeleteReview(DeleteReviewRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var id = FieldViolations.RequireUuid("id", request.Id);
        var change = Changed(await store.DeleteAsync(id, user.Subject, context.CancellationToken), request.Id, "delete");
        await RefreshAsync(change.Aggregate);
        return new Empty();
    }

    /// <summary>The change a store call made, or the error its outcome means.</summary>
    private static ReviewChange Changed(ReviewStore.ChangeOutcome outcome, string id, string action) => outcome switch
    {
        ReviewStore.ChangeOutcome.Done done => done.Change,
        ReviewStore.ChangeOutcome.Refused => action is "vote on" or "report" ? throw RatingErrors.OwnReview(action) : throw RatingErrors.NotYourReview(action),
        _ => throw RatingErrors.ReviewNotFound(id),
    };

    /// <summary>Puts the aggregate a write's transaction returned into the cache (newer versions only).</summary>
    private Task RefreshAsync(AggregateRow? aggregate) =>
        aggregate is null ? Task.CompletedTask : cache.StoreAsync(aggregate.Item, aggregate.Version, ToProto(aggregate));

    private static Review ToProto(ReviewRow row, AuthenticatedUser? caller)
    {
        var review = new Review
        {
            Id = row.Id.ToString(), Item = row.Item, AuthorId = row.AuthorId, Stars = row.Stars, Title = row.Title, Text = row.Body,
            Verified = true,   // every stored review passed the purchase check (the purchase column holds its evidence)
            HelpfulCount = row.HelpfulCount, State = row.Visible ? ReviewState.Visible : ReviewState.Hidden,
            CreateTime = Time(row.CreateTime), UpdateTime = Time(row.UpdateTime),
        };
        review.Aspects.Add(ReviewInput.ParseAspects(row.Aspects));
        // Why a review is hidden is for its author and moderators.
        if (row.HiddenReason is { } reason && caller is not null && (caller.Subject == row.AuthorId || IsModerator(caller))) review.HiddenReason = reason;
        return review;
    }

    private static ItemRating ToProto(AggregateRow row)
    {
        var rating = new ItemRating
        {
            Item = row.Item, Count = row.ReviewCount, Average = row.ReviewCount == 0 ? 0 : (double)row.StarSum / row.ReviewCount,
            BayesianAverage = row.Bayesian, CityId = row.CityId,
        };
        rating.Histogram.Add([row.Stars1, row.Stars2, row.Stars3, row.Stars4, row.Stars5]);
        return rating;
    }

    private static bool IsModerator(AuthenticatedUser user) => user.IsInRole(Moderator) || user.IsInRole(Admin);

    private const string Moderator = "moderator";
    private const string Admin = "admin";

    /// <summary>The clock's now at PostgreSQL's precision (microseconds), so what a review answers equals what it stores.</summary>
    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % 10));
    }

    private static Timestamp Time(DateTime value) => Timestamp.FromDateTime(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
