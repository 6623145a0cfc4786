using Mesh.Booking.V1;
using Mesh.Catalog.V1;
using Mesh.Referral.Coupons;

namespace Mesh.Referral.Coupons;

/// <summary>
/// What ValidateCoupon needs to know about a hold: the hold from booking (as the caller: their bearer token forwarded,
/// so another user's hold reads as NOT_FOUND), and for a show its city and kind from the catalog — the same facts
/// booking's checkout passes to ReserveRedemption.
/// </summary>
public sealed class BookingHolds(Mesh.Booking.V1.Booking.BookingClient booking, Catalog.V1.Catalog.CatalogClient catalog)
{
    public async Task<BookingFacts> FactsAsync(string userId, Guid holdId, string? authorization, CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (authorization is not null) headers.Add("authorization", authorization);
        Hold hold;
        try
        {
            hold = await booking.GetHoldAsync(new GetHoldRequest { Id = holdId.ToString() }, headers, cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"No hold \"{holdId}\" of yours exists."));
        }
        if (hold.Status != HoldStatus.Active)
            throw CouponErrors.Error(Google.Rpc.Code.FailedPrecondition, "HOLD_NOT_ACTIVE", $"The hold is {hold.Status.ToString().ToLowerInvariant()}; hold the seats again.", ("hold_id", hold.Id));
        var cityId = "";
        var category = "";
        if (hold.ShowId.Length > 0)
        {
            var show = await catalog.GetShowAsync(new GetShowRequest { Id = hold.ShowId }, cancellationToken: cancellationToken);
            cityId = show.CityId;
            category = show.Event?.Kind ?? "";
        }
        return new BookingFacts(userId, hold.AmountMinor, hold.Currency, hold.ShowId, cityId, category);
    }
}
