namespace Mesh.Rating;

/// <summary>The business errors of reviews: google.rpc.Status with an ErrorInfo (reason + metadata) in domain rating.mesh.</summary>
public static class RatingErrors
{
    public const string Domain = "rating.mesh";

    public static RpcException ReviewNotFound(string id) => new(new Status(StatusCode.NotFound, $"No review \"{id}\" exists."));

    public static RpcException ItemNotFound(string item) => new(new Status(StatusCode.NotFound, $"The catalog has no \"{item}\"."));

    public static RpcException NotPurchased(string item) =>
        Error(Google.Rpc.Code.FailedPrecondition, "NOT_PURCHASED",
            $"Only a customer with a confirmed booking of {item} that has already started may review it; a cancelled, failed or pending booking does not count.",
            ("item", item));

    public static RpcException NotSoldYet(string item) =>
        Error(Google.Rpc.Code.FailedPrecondition, "NOT_SOLD_YET",
            "Products cannot be bought yet (there is no order flow), so no review of a product can be verified.", ("item", item));

    public static RpcException AlreadyReviewed(string item, Guid existing) =>
        Error(Google.Rpc.Code.AlreadyExists, "ALREADY_REVIEWED", $"You have already reviewed {item}; change that review instead (PATCH /v1/reviews/{existing}).",
            ("item", item), ("review_id", existing.ToString()));

    public static RpcException NotYourReview(string action) =>
        new(new Status(StatusCode.PermissionDenied, $"Only the author of a review may {action} it."));

    public static RpcException OwnReview(string action) =>
        new(new Status(StatusCode.PermissionDenied, $"You cannot {action} your own review."));

    public static RpcException BookingUnavailable(RpcException cause) =>
        new(new Status(StatusCode.Unavailable, $"The purchase cannot be verified now (booking service: {cause.StatusCode}{(cause.Status.Detail.Length > 0 ? ", " + cause.Status.Detail : "")}); nothing was written, try again."));

    public static RpcException Error(Google.Rpc.Code code, string reason, string message, params (string Key, string Value)[] metadata)
    {
        var info = new Google.Rpc.ErrorInfo { Reason = reason, Domain = Domain };
        foreach (var (key, value) in metadata) info.Metadata[key] = value;
        return new Google.Rpc.Status { Code = (int)code, Message = message }.WithDetail(info).ToRpcException();
    }
}
