using Mesh.Catalog.Seats;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In the hosting namespace, like AddCatalog, so CatalogComposition needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>Where the catalog's seat and slot availability comes from.</summary>
public static class SeatStatusComposition
{
    /// <summary>
    /// With the booking service configured (services:booking:…, as the app host injects it): seat status and slot
    /// usage from booking over gRPC. Without it (the catalog run alone, as in its own tests) every seat and place reads
    /// as free — the only case where nothing asks booking.
    /// </summary>
    public static WebApplicationBuilder AddSeatStatusFromBooking(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        if (builder.Configuration.GetSection("services:booking").Exists())
        {
            builder.AddServiceClient<Mesh.Booking.V1.Booking.BookingClient>("booking");
            services.Replace(ServiceDescriptor.Singleton<ISeatAvailability, BookingSeatAvailability>());
            services.Replace(ServiceDescriptor.Singleton<ISlotUsage, BookingSlotUsage>());
        }
        else
        {
            services.TryAddSingleton<ISeatAvailability, AllSeatsAvailable>();
            services.TryAddSingleton<ISlotUsage, NoSlotUsage>();
        }
        return builder;
    }
}
