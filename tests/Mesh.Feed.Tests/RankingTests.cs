using Mesh.Feed.Suggestions;

namespace Mesh.Feed.Tests;

/// <summary>The scoring of suggestions on its own (pure).</summary>
public sealed class RankingTests
{
    private static readonly DateTime Soon = new(2026, 12, 8, 20, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Genres_venues_and_co_bookings_add_up_and_booked_events_are_left_out()
    {
        var profile = new AffinityProfile();
        profile.AddShow(["Thriller", "noir"], "hall", AffinityProfile.BookingWeight);
        profile.AddShow(["thriller"], "", AffinityProfile.ViewWeight);
        profile.BookedEvents.Add("e-booked");

        var ranked = SuggestionRanker.Rank(profile,
        [
            new ShowCandidate("s1", "e1", "A", "hall", "c", ["thriller"], Soon, 0),           // 3 + 1 + hall 3/2 = 5.5
            new ShowCandidate("s2", "e2", "B", "other", "c", ["noir", "thriller"], Soon, 0),  // 3 + 1 + 3 = 7
            new ShowCandidate("s3", "e3", "C", "other", "c", ["jazz"], Soon, 2),              // 2 × 2 = 4
            new ShowCandidate("s4", "e-booked", "D", "hall", "c", ["thriller"], Soon, 5),     // same event as a booking
            new ShowCandidate("s5", "e5", "E", "other", "c", ["comedy"], Soon, 0),            // nothing in common
        ], []);

        Assert.Equal(["shows/s2", "shows/s1", "shows/s3"], ranked.Select(i => i.Item));
        Assert.Equal([7.0, 5.5, 4.0], ranked.Select(i => i.Score));
        Assert.Equal(["genre:thriller", "venue:hall"], ranked[1].Reasons);
    }

    [Fact]
    public void Services_score_by_category_unless_booked()
    {
        var profile = new AffinityProfile();
        profile.AddCategory("Yoga", AffinityProfile.BookingWeight);
        profile.BookedServices.Add("booked");
        var ranked = SuggestionRanker.Rank(profile, [],
            [new ServiceCandidate("booked", "Yoga 1", "c", "yoga"), new ServiceCandidate("free", "Yoga 2", "c", "yoga"), new ServiceCandidate("x", "Tennis", "c", "tennis")]);
        Assert.Equal(["services/free"], ranked.Select(i => i.Item));
        Assert.Equal(["yoga"], profile.TopCategories(3));
    }
}
