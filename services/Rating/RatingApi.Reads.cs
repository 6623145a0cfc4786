using Mesh.Rating.Items;
using Mesh.Rating.Reviews;
using Mesh.Rating.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Rating;

// Public reads: an item's reviews, its aggregate (Redis first), and the top-rated list.
public sealed partial class RatingApi
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public override async Task<ListReviewsResponse> ListReviews(ListReviewsRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        var item = ItemName.Parse(violations, "item", request.Item);
        var order = request.Order switch
        {
            ReviewOrder.Unspecified or ReviewOrder.Newest => ReviewListOrder.Newest,
            ReviewOrder.MostHelpful => ReviewListOrder.MostHelpful,
            ReviewOrder.HighestRated => ReviewListOrder.HighestRated,
            ReviewOrder.LowestRated => ReviewListOrder.LowestRated,
            _ => null,
        };
        if (order is null) violations.Add("order", "must be NEWEST, MOST_HELPFUL, HIGHEST_RATED or LOWEST_RATED");
        PageSize(violations, request.PageSize);
        ReviewKey? after = null;
        if (request.PageToken.Length > 0 && item is not null && order is not null)
        {
            after = PageTokens.ParseReviews(request.PageToken, item.Value.Value, order);
            if (after is null) violations.Add("page_token", "is not a token from a previous page of this listing (same item and order)");
        }
        violations.ThrowIfAny();

        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var rows = await store.ListAsync(item!.Value.Value, order!, after, size + 1, context.CancellationToken);
        var caller = context.GetUser();
        var response = new ListReviewsResponse();
        response.Reviews.AddRange(rows.Take(size).Select(r => ToProto(r, caller)));
        if (rows.Count > size) response.NextPageToken = PageTokens.Reviews(item.Value.Value, order!, rows[size - 1]);
        return response;
    }

    public override async Task<ItemRating> GetItemRating(GetItemRatingRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        var item = ItemName.Parse(violations, "item", request.Item);
        violations.ThrowIfAny();
        var name = item!.Value.Value;
        if (await cache.GetAsync(name) is { } cached) return cached;
        var aggregate = await store.GetAggregateAsync(name, context.CancellationToken);
        var rating = ToProto(aggregate);
        await cache.StoreAsync(name, aggregate.Version, rating);
        return rating;
    }

    public override async Task<ListTopRatedResponse> ListTopRated(ListTopRatedRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        violations.Check("city", request.City.Length > 100 || request.City.Contains('|') ? "is not a city id" : null);
        violations.Check("kind", request.Kind.Length > 0 && !ItemName.Kinds.Contains(request.Kind) ? "must be products, services, events or venues (or empty for all)" : null);
        PageSize(violations, request.PageSize);
        TopRatedKey? after = null;
        if (request.PageToken.Length > 0)
        {
            after = PageTokens.ParseTopRated(request.PageToken, request.City, request.Kind);
            if (after is null) violations.Add("page_token", "is not a token from a previous page of this listing (same city and kind)");
        }
        violations.ThrowIfAny();

        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var rows = await store.TopRatedAsync(request.City, request.Kind, after, size + 1, context.CancellationToken);
        var response = new ListTopRatedResponse();
        response.Items.AddRange(rows.Take(size).Select(ToProto));
        if (rows.Count > size) response.NextPageToken = PageTokens.TopRated(request.City, request.Kind, rows[size - 1]);
        return response;
    }

    private static void PageSize(FieldViolations violations, int pageSize) =>
        violations.Check("page_size", pageSize is < 0 or > MaxPageSize ? $"must be between 1 and {MaxPageSize} (0: {DefaultPageSize})" : null);
}
