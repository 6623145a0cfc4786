using Mesh.Referral;
using Mesh.Referral.Coupons;
using Mesh.Referral.Redemptions;
using Mesh.Referral.Referrals;
using Mesh.Referral.Workers;
using Mesh.ServiceDefaults.Messaging;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>The referral service's parts, wired once for Program.cs and for the tests that host it in-process.</summary>
public static class ReferralComposition
{
    public static WebApplicationBuilder AddReferral(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ReferralOptions.SectionName).Get<ReferralOptions>() ?? new ReferralOptions();
        var services = builder.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        builder.AddNpgsqlDataSource(options.Database);   // referraldb
        services.AddSingleton<ReferralStore>();

        // Coupons (Coupons/) and their redemption in booking's checkout saga (Redemptions/): holds from booking and
        // shows from the catalog for ValidateCoupon's preview; booking's events confirm and release redemptions.
        builder.AddServiceClient<Mesh.Booking.V1.Booking.BookingClient>("booking");
        builder.AddServiceClient<Mesh.Catalog.V1.Catalog.CatalogClient>("catalog");
        services.AddSingleton<CouponsStore>();
        services.AddSingleton<BookingHolds>();
        services.AddSingleton<RedemptionsStore>();
        services.AddSingleton<CouponRedemptions>();
        services.AddHostedService<BookingEventsConsumer>();
        services.AddSingleton<ExpiredReservationSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<ExpiredReservationSweeper>());

        // Referral codes, claims (account age from the users service, as the caller) and rewards (Referrals/).
        builder.AddServiceClient<Mesh.Users.V1.Users.UsersClient>("users");
        services.AddSingleton<ReferralsStore>();
        services.AddHostedService<PaymentEventsConsumer>();   // payment_method.saved: card fingerprints for the shared-card rule
        services.AddSingleton<ReferralProgram>();
        services.AddSingleton<RewardGrants>();
        services.AddHostedService(sp => sp.GetRequiredService<RewardGrants>());

        builder.AddTokenValidation();
        return builder;
    }

    /// <summary>The outbox/inbox tables (ServiceDefaults/Messaging), then Migrations/*.sql in order.</summary>
    public static async Task MigrateReferralDatabaseAsync(this WebApplication app)
    {
        await Outbox.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Lifetime.ApplicationStopping);
        await app.Services.GetRequiredService<ReferralStore>().MigrateAsync(app.Lifetime.ApplicationStopping);
    }
}
