using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.Tests.Support;
using Mesh.Referral.Tests.Support;
using Mesh.Referral.V1;

namespace Mesh.Referral.Tests;

/// <summary>Coupons: staff create them (every field checked), users list their own, and ValidateCoupon previews a hold's discount by the checkout's rules.</summary>
public sealed class CouponTests(ReferralFixture fixture) : IClassFixture<ReferralFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_staff_create_coupons()
    {
        var customer = fixture.Tokens.As(Guid.NewGuid().ToString(), "customer");
        var e = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Referral.CreateCouponAsync(new CreateCouponRequest
        {
            Coupon = new Coupon { Code = "MINE", Kind = DiscountKind.Percent, PercentOff = 100 },
        }, customer, cancellationToken: Ct));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    [Fact]
    public async Task Staff_create_a_coupon_over_rest_as_the_readme_shows_and_customers_are_forbidden()
    {
        var now = fixture.Clock.GetUtcNow().UtcDateTime;
        var code = "WELCOME-" + Guid.NewGuid().ToString("N")[..6];
        var body = $$"""
            {"code":"{{code}}","kind":"PERCENT","percentOff":10,"currency":"EUR","maxDiscountMinor":500,
             "startTime":"{{now:yyyy-MM-ddTHH:mm:ssZ}}","endTime":"{{now.AddDays(7):yyyy-MM-ddTHH:mm:ssZ}}","totalLimit":100,"perUserLimit":1}
            """;
        using var rest = fixture.CreateRestClient();
        async Task<HttpResponseMessage> PostAsync(Metadata who)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/coupons") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(who.GetValue("authorization")!);
            return await rest.SendAsync(request, Ct);
        }
        using (var forbidden = await PostAsync(fixture.Tokens.As(Guid.NewGuid().ToString(), "customer")))
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using var created = await PostAsync(fixture.Admin);
        var text = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.StatusCode == HttpStatusCode.OK, text);
        var coupon = JsonDocument.Parse(text).RootElement;
        Assert.Equal((code.ToUpperInvariant(), "PERCENT", 10), (coupon.GetProperty("code").GetString(), coupon.GetProperty("kind").GetString(), coupon.GetProperty("percentOff").GetInt32()));
    }

    [Fact]
    public async Task A_coupon_is_created_with_its_code_upper_case_and_a_taken_code_is_refused()
    {
        var coupon = await fixture.CreateCouponAsync(c => c.Code = "spring-" + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(coupon.Code.ToUpperInvariant(), coupon.Code);
        Assert.Equal(0, coupon.Redeemed);
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.CreateCouponAsync(c => c.Code = coupon.Code.ToLowerInvariant()));
        Assert.Equal(StatusCode.AlreadyExists, e.StatusCode);
    }

    [Theory]
    [InlineData("code=", "coupon.code")]
    [InlineData("code=a b", "coupon.code")]
    [InlineData("kind=unspecified", "coupon.kind")]
    [InlineData("percent=0", "coupon.percent_off")]
    [InlineData("percent=101", "coupon.percent_off")]
    [InlineData("fixed-without-amount", "coupon.amount_off_minor")]
    [InlineData("fixed-without-currency", "coupon.currency")]
    [InlineData("currency=euro", "coupon.currency")]
    [InlineData("min-spend=-1", "coupon.min_spend_minor")]
    [InlineData("max-discount=-1", "coupon.max_discount_minor")]
    [InlineData("no-start", "coupon.start_time")]
    [InlineData("no-end", "coupon.end_time")]
    [InlineData("end-before-start", "coupon.end_time")]
    [InlineData("total=0", "coupon.total_limit")]
    [InlineData("per-user=0", "coupon.per_user_limit")]
    [InlineData("per-user>total", "coupon.per_user_limit")]
    [InlineData("city=x", "coupon.scope.city_id")]
    [InlineData("show=x", "coupon.scope.show_id")]
    [InlineData("id=given", "coupon.id")]
    public async Task Malformed_coupons_are_refused_naming_the_field_and_nothing_is_stored(string change, string field)
    {
        var code = "BAD" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.CreateCouponAsync(c =>
        {
            c.Code = code;
            switch (change)
            {
                case "code=": c.Code = ""; break;
                case "code=a b": c.Code = "a b"; break;
                case "kind=unspecified": c.Kind = DiscountKind.Unspecified; break;
                case "percent=0": c.PercentOff = 0; break;
                case "percent=101": c.PercentOff = 101; break;
                case "fixed-without-amount": c.Kind = DiscountKind.Fixed; c.PercentOff = 0; c.Currency = "EUR"; break;
                case "fixed-without-currency": c.Kind = DiscountKind.Fixed; c.PercentOff = 0; c.AmountOffMinor = 500; break;
                case "currency=euro": c.Currency = "euro"; break;
                case "min-spend=-1": c.MinSpendMinor = -1; c.Currency = "EUR"; break;
                case "max-discount=-1": c.MaxDiscountMinor = -1; c.Currency = "EUR"; break;
                case "no-start": c.StartTime = null; break;
                case "no-end": c.EndTime = null; break;
                case "end-before-start": c.EndTime = Timestamp.FromDateTime(c.StartTime.ToDateTime().AddMinutes(-1)); break;
                case "total=0": c.TotalLimit = 0; break;
                case "per-user=0": c.PerUserLimit = 0; break;
                case "per-user>total": c.PerUserLimit = c.TotalLimit + 1; break;
                case "city=x": c.Scope = new CouponScope { CityId = "x" }; break;
                case "show=x": c.Scope = new CouponScope { ShowId = "x" }; break;
                case "id=given": c.Id = Guid.NewGuid().ToString(); break;
            }
        }));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(field, Errors.Fields(e));
        Assert.Equal(0L, await fixture.ReferralScalarAsync<long>("SELECT count(*) FROM coupons WHERE code = @code", new { code }));
    }

    [Fact]
    public async Task Users_list_their_own_coupons_only()
    {
        var staff = "staff-" + Guid.NewGuid().ToString("N")[..8];
        var other = fixture.Tokens.As("staff-" + Guid.NewGuid().ToString("N")[..8], "admin");
        var mine = new List<string>();
        for (var i = 0; i < 3; i++, fixture.Clock.Advance(TimeSpan.FromSeconds(1)))
            mine.Add((await fixture.Referral.CreateCouponAsync(new CreateCouponRequest { Coupon = Valid() }, fixture.Tokens.As(staff, "admin"), cancellationToken: Ct)).Id);
        await fixture.Referral.CreateCouponAsync(new CreateCouponRequest { Coupon = Valid() }, other, cancellationToken: Ct);

        var first = await fixture.Referral.ListCouponsAsync(new ListCouponsRequest { PageSize = 2 }, fixture.Tokens.As(staff, "admin"), cancellationToken: Ct);
        var second = await fixture.Referral.ListCouponsAsync(new ListCouponsRequest { PageSize = 2, PageToken = first.NextPageToken }, fixture.Tokens.As(staff, "admin"), cancellationToken: Ct);
        Assert.Equal(Enumerable.Reverse(mine), first.Coupons.Concat(second.Coupons).Select(c => c.Id)); // newest first
        Assert.Equal("", second.NextPageToken);
        var stranger = await fixture.Referral.ListCouponsAsync(new ListCouponsRequest(), fixture.Tokens.As(Guid.NewGuid().ToString(), "customer"), cancellationToken: Ct);
        Assert.Empty(stranger.Coupons);
    }

    [Fact]
    public async Task Validate_previews_the_discount_of_a_hold_over_rest()
    {
        var coupon = await fixture.CreateCouponAsync(c => { c.PercentOff = 25; c.Currency = "EUR"; c.MaxDiscountMinor = 500; });
        var customer = await fixture.NewCustomerAsync();
        var (show, seats) = fixture.AddShow();
        var hold = await fixture.HoldAsync(customer, show, seats[0], seats[1]); // 2 × 1200

        using var rest = fixture.CreateRestClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/coupons:validate") { Content = JsonContent.Create(new { code = coupon.Code.ToLowerInvariant(), holdId = hold.Id }) };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(customer.Bearer.GetValue("authorization")!);
        using var response = await rest.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var quote = JsonDocument.Parse(body).RootElement;
        Assert.Equal("2400", quote.GetProperty("amountMinor").GetString());
        Assert.Equal("500", quote.GetProperty("discountMinor").GetString()); // 25 % = 600, capped at 500
        Assert.Equal("1900", quote.GetProperty("payMinor").GetString());
        Assert.Equal(0L, await fixture.ReferralScalarAsync<long>("SELECT count(*) FROM redemptions WHERE coupon_id = @id::uuid", new { id = coupon.Id })); // a preview reserves nothing
    }

    [Theory]
    [InlineData("expired", "COUPON_EXPIRED")]
    [InlineData("not-started", "COUPON_NOT_STARTED")]
    [InlineData("other-show", "COUPON_OUT_OF_SCOPE")]
    [InlineData("other-category", "COUPON_OUT_OF_SCOPE")]
    [InlineData("min-spend", "COUPON_MINIMUM_SPEND")]
    [InlineData("currency", "COUPON_CURRENCY")]
    [InlineData("exhausted", "COUPON_EXHAUSTED")]
    [InlineData("unknown", "COUPON_UNKNOWN")]
    public async Task Validate_refuses_a_coupon_that_does_not_apply_with_its_reason(string kind, string reason)
    {
        var now = fixture.Clock.GetUtcNow().UtcDateTime;
        var customer = await fixture.NewCustomerAsync();
        var (show, seats) = fixture.AddShow();
        var hold = await fixture.HoldAsync(customer, show, seats[0]);
        var code = "UNKNOWN-" + Guid.NewGuid().ToString("N")[..8];
        if (kind != "unknown")
        {
            var coupon = await fixture.CreateCouponAsync(c =>
            {
                switch (kind)
                {
                    case "expired": c.StartTime = Timestamp.FromDateTime(now.AddDays(-2)); c.EndTime = Timestamp.FromDateTime(now.AddSeconds(1)); break;
                    case "not-started": c.StartTime = Timestamp.FromDateTime(now.AddDays(1)); break;
                    case "other-show": c.Scope = new CouponScope { ShowId = Guid.NewGuid().ToString() }; break;
                    case "other-category": c.Scope = new CouponScope { Category = "concert" }; break;
                    case "min-spend": c.Currency = "EUR"; c.MinSpendMinor = 5000; break;
                    case "currency": c.Currency = "USD"; break;
                    case "exhausted": c.TotalLimit = 1; break;
                }
            });
            code = coupon.Code;
            if (kind == "expired") fixture.Clock.Advance(TimeSpan.FromSeconds(2));
            if (kind == "exhausted")
            {
                // Someone else takes its only redemption.
                var other = await fixture.NewCustomerAsync();
                var otherHold = await fixture.HoldAsync(other, show, seats[1]);
                var booked = await fixture.CheckoutAsync(other, otherHold, code);
                Assert.Equal(120, booked.DiscountMinor);
            }
        }
        var e = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Referral.ValidateCouponAsync(
            new ValidateCouponRequest { Code = code, HoldId = hold.Id }, customer.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal(reason, Errors.Reason(e));
    }

    [Theory]
    [InlineData("", "x", "code")]
    [InlineData("CODE", "", "hold_id")]
    [InlineData("CODE", "not-a-uuid", "hold_id")]
    public async Task Validate_refuses_malformed_input_naming_the_field(string code, string holdId, string field)
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Referral.ValidateCouponAsync(
            new ValidateCouponRequest { Code = code, HoldId = holdId }, fixture.Tokens.As(Guid.NewGuid().ToString(), "customer"), cancellationToken: Ct));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(field, Errors.Fields(e));
    }

    [Fact]
    public async Task Another_users_hold_is_not_found()
    {
        var coupon = await fixture.CreateCouponAsync();
        var owner = await fixture.NewCustomerAsync();
        var (show, seats) = fixture.AddShow();
        var hold = await fixture.HoldAsync(owner, show, seats[0]);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Referral.ValidateCouponAsync(
            new ValidateCouponRequest { Code = coupon.Code, HoldId = hold.Id }, fixture.Tokens.As(Guid.NewGuid().ToString(), "customer"), cancellationToken: Ct));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    private Coupon Valid()
    {
        var now = fixture.Clock.GetUtcNow().UtcDateTime;
        return new Coupon
        {
            Code = "L" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant(), Kind = DiscountKind.Fixed, AmountOffMinor = 300, Currency = "EUR",
            StartTime = Timestamp.FromDateTime(now.AddHours(-1)), EndTime = Timestamp.FromDateTime(now.AddDays(1)), TotalLimit = 10, PerUserLimit = 1,
        };
    }
}
