using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Mesh.Referral.Coupons;
using Mesh.Referral.Redemptions;
using Mesh.Referral.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Referral;

/// <summary>
/// The gRPC endpoint: validation (INVALID_ARGUMENT naming the field), the caller from the token (a user sees only
/// their own coupons, referrals and redemptions), proto ⇄ row mapping. Coupon rules are in <see cref="CouponTerms"/>,
/// redemption in <see cref="CouponRedemptions"/>, referrals in <see cref="Referrals.ReferralProgram"/> (ReferralsApi.Referrals.cs).
/// </summary>
public sealed partial class ReferralsApi(CouponsStore coupons, CouponRedemptions redemptions, BookingHolds holds,
    Referrals.ReferralProgram program, Referrals.ReferralsStore referrals, TimeProvider time)
    : V1.Referrals.ReferralsBase
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;
    public const int MaxCodeLength = 64;

    /// <summary>Who may create coupons: staff, which in the users service's roles is admin.</summary>
    public static readonly string[] StaffRoles = ["admin"];

    private DateTime Now => CouponRedemptions.Microseconds(time.GetUtcNow().UtcDateTime);

    public override async Task<Coupon> CreateCoupon(CreateCouponRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(StaffRoles);
        var row = CouponRequests.ToRow(request.Coupon, user.Subject, Now);
        if (!await coupons.InsertAsync(row, context.CancellationToken)) throw CouponErrors.CodeTaken(row.Code);
        return ToProto(row);
    }

    public override async Task<ListCouponsResponse> ListCoupons(ListCouponsRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var (size, after) = Page(request.PageSize, request.PageToken);
        var rows = await coupons.ListOwnAsync(user.Subject, after, size + 1, context.CancellationToken);
        var response = new ListCouponsResponse();
        response.Coupons.AddRange(rows.Take(size).Select(ToProto));
        if (rows.Count > size) response.NextPageToken = PageToken.Format(rows[size - 1].CreateTime, rows[size - 1].Id);
        return response;
    }

    public override async Task<CouponQuote> ValidateCoupon(ValidateCouponRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var v = new FieldViolations();
        CheckCode(v, "code", request.Code);
        var holdId = v.Uuid("hold_id", request.HoldId);
        v.ThrowIfAny();
        var coupon = await redemptions.FindUsableAsync(request.Code, user.Subject, context.CancellationToken);
        var facts = await holds.FactsAsync(user.Subject, holdId!.Value, context.RequestHeaders.GetValue("authorization"), context.CancellationToken);
        var discount = await redemptions.PreviewAsync(coupon, facts, context.CancellationToken);
        return new CouponQuote { Code = coupon.Code, AmountMinor = facts.AmountMinor, DiscountMinor = discount, PayMinor = facts.AmountMinor - discount, Currency = facts.Currency };
    }

    public override async Task<Redemption> ReserveRedemption(ReserveRedemptionRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var v = new FieldViolations();
        var bookingId = v.Uuid("booking_id", request.BookingId);
        CheckCode(v, "code", request.Code);
        v.Check("amount_minor", request.AmountMinor is < 0 or > CouponRequests.MaxAmount ? $"must be between 0 and {CouponRequests.MaxAmount}" : null);
        v.Check("currency", request.Currency.Length != 3 || !request.Currency.All(char.IsAsciiLetter) ? "must be an ISO-4217 code" : null);
        // What the booking is of, as booking read it from the catalog: compared with the coupon's scope, never trusted further.
        v.MaxLength("show_id", request.ShowId, 64).MaxLength("city_id", request.CityId, 64).MaxLength("category", request.Category, 40).ThrowIfAny();
        var facts = new BookingFacts(user.Subject, request.AmountMinor, request.Currency.ToUpperInvariant(), request.ShowId, request.CityId, request.Category);
        return ToProto(await redemptions.ReserveAsync(bookingId!.Value, request.Code, facts, context.CancellationToken));
    }

    public override async Task<Redemption> ReleaseRedemption(ReleaseRedemptionRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var bookingId = FieldViolations.RequireUuid("booking_id", request.BookingId);
        var row = await redemptions.ReleaseUnbookedAsync(bookingId, user.Subject, context.CancellationToken);
        return row is null ? throw new RpcException(new Status(StatusCode.NotFound, $"No redemption for booking \"{bookingId}\" of yours exists.")) : ToProto(row);
    }

    private static void CheckCode(FieldViolations v, string field, string code) =>
        v.Check(field, code.Length == 0 ? "is required" : code.Length > MaxCodeLength ? $"must be at most {MaxCodeLength} characters" : null);

    private static (int Size, (DateTime, Guid)? After) Page(int pageSize, string pageToken)
    {
        var v = new FieldViolations();
        if (pageSize is < 0 or > MaxPageSize) v.Add("page_size", $"must be between 1 and {MaxPageSize} (0: {DefaultPageSize})");
        (DateTime, Guid)? after = null;
        if (pageToken.Length > 0 && (after = PageToken.Parse(pageToken)) is null) v.Add("page_token", "is not a token from a previous page of this listing");
        v.ThrowIfAny();
        return (pageSize == 0 ? DefaultPageSize : pageSize, after);
    }

    public static Coupon ToProto(CouponRow c)
    {
        var coupon = new Coupon
        {
            Id = c.Id.ToString(), Code = c.Code, Kind = c.Kind == CouponKinds.Percent ? DiscountKind.Percent : DiscountKind.Fixed,
            PercentOff = c.PercentOff, AmountOffMinor = c.AmountOffMinor, Currency = c.Currency, MinSpendMinor = c.MinSpendMinor,
            MaxDiscountMinor = c.MaxDiscountMinor, StartTime = Time(c.StartTime), EndTime = Time(c.EndTime), TotalLimit = c.TotalLimit,
            PerUserLimit = c.PerUserLimit, Redeemed = c.Redeemed, OwnerId = c.OwnerId ?? "", CreateTime = Time(c.CreateTime),
            Scope = new CouponScope
            {
                CityId = c.ScopeCityId?.ToString() ?? "", Category = c.ScopeCategory, ShowId = c.ScopeShowId?.ToString() ?? "", FirstBookingOnly = c.FirstBookingOnly,
            },
        };
        return coupon;
    }

    public static Redemption ToProto(RedemptionRow r) => new()
    {
        Id = r.Id.ToString(), BookingId = r.BookingId.ToString(), CouponId = r.CouponId.ToString(), Code = r.Code, DiscountMinor = r.DiscountMinor,
        Currency = r.Currency, ExpiresAt = Time(r.ExpiresAt),
        State = r.State switch
        {
            RedemptionStates.Reserved => RedemptionState.Reserved,
            RedemptionStates.Confirmed => RedemptionState.Confirmed,
            _ => RedemptionState.Released,
        },
    };

    public static Timestamp Time(DateTime value) => Timestamp.FromDateTime(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    /// <summary>Keyset page tokens: the last row's (time, id), base64url (coupons: create time; referrals: claim time).</summary>
    public static class PageToken
    {
        public static string Format(DateTime at, Guid id) =>
            Convert.ToBase64String(Encoding.ASCII.GetBytes($"{at.Ticks.ToString(CultureInfo.InvariantCulture)}|{id:N}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static (DateTime, Guid)? Parse(string token)
        {
            try
            {
                var s = token.Replace('-', '+').Replace('_', '/');
                var parts = Encoding.ASCII.GetString(Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4))).Split('|');
                if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                    || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) return null;
                return Guid.TryParseExact(parts[1], "N", out var id) ? (new DateTime(ticks, DateTimeKind.Utc), id) : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
