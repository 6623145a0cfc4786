using Mesh.Catalog.V1;

namespace Mesh.Catalog.Tests.Support;

/// <summary>A partner's venue with one screen and one event, created through the API.</summary>
public sealed record Scenario(Venue Venue, Screen Screen, Event Event)
{
    public static async Task<Scenario> CreateAsync(CatalogFixture fixture, Metadata partner, string city = "berlin", string title = "Hamlet", string genre = "drama", string language = "en")
    {
        var ct = TestContext.Current.CancellationToken;
        var venue = await fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue(city) }, partner, cancellationToken: ct);
        var screen = await fixture.Client.CreateScreenAsync(new CreateScreenRequest { VenueId = venue.Id, Screen = Builders.Screen() }, partner, cancellationToken: ct);
        var ev = await fixture.Client.CreateEventAsync(new CreateEventRequest { Event = Builders.Event(title, genre, language) }, partner, cancellationToken: ct);
        return new Scenario(venue, screen, ev);
    }
}
