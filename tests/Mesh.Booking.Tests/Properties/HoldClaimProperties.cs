using CsCheck;
using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;

namespace Mesh.Booking.Tests.Properties;

/// <summary>
/// Hold claims, model-based: CsCheck generates sequences of operations — hold seats of a show, hold places of a
/// service slot, release a hold, let time pass, run the expiry sweeper — which run against the booking service
/// (in-process, its real PostgreSQL) and against a small model of the rules in this file. After every operation the
/// service must agree with the model: a hold is granted exactly when the model grants it (all its seats free, enough
/// free places, the user under the active-hold limit — that limit checked first), and the seat status and slot usage
/// the service reports are the model's. So no seat is ever held twice, a slot is never over capacity, and no hold
/// outlives its expiry, for every sequence — not only the ones a person thought of.
/// </summary>
public sealed class HoldClaimProperties(BookingFixture fixture) : IClassFixture<BookingFixture>
{
    private const int Seats = 6;
    private const int Capacity = 5;
    private const int Users = 3;
    private static readonly TimeSpan HoldTtl = TimeSpan.FromMinutes(10);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private abstract record Op;
    private sealed record HoldSeats(int User, int[] Seats) : Op
    {
        public override string ToString() => $"HoldSeats {{ User = {User}, Seats = [{string.Join(",", Seats)}] }}";
    }
    private sealed record HoldPlaces(int User, int Quantity) : Op;
    private sealed record Release(int Nth) : Op;
    private sealed record Wait(int Minutes) : Op;
    private sealed record Sweep : Op;

    private static readonly Gen<Op> AnyOp = Gen.Frequency(
        (4, Gen.Select(Gen.Int[0, Users - 1], Gen.Int[0, Seats - 1].Array[1, 3]).Select(Op (u, s) => new HoldSeats(u, s.Distinct().ToArray()))),
        (3, Gen.Select(Gen.Int[0, Users - 1], Gen.Int[1, 3]).Select(Op (u, q) => new HoldPlaces(u, q))),
        (2, Gen.Int[0, 20].Select(Op (n) => new Release(n))),
        (2, Gen.Int[1, 12].Select(Op (m) => new Wait(m))),
        (1, Gen.Const<Op>(new Sweep())));

    /// <summary>A hold as the model sees it: live while not released and its expiry is after now (the service's rule).</summary>
    private sealed class ModelHold(string id, int user, int[] seats, int places, DateTime expiresAt)
    {
        public string Id { get; } = id;
        public int User { get; } = user;
        public int[] Seats { get; } = seats;
        public int Places { get; } = places;
        public DateTime ExpiresAt { get; } = expiresAt;
        public bool Released { get; set; }
        public bool LiveAt(DateTime now) => !Released && ExpiresAt > now;
    }

    [Fact]
    public async Task Every_sequence_of_holds_releases_and_expiries_agrees_with_the_model()
    {
        await AnyOp.Array[5, 25].SampleAsync(RunAsync, iter: 40, threads: 1, print: ops => string.Join(" ; ", ops.Select(o => o.ToString())));
    }

    private async Task RunAsync(Op[] ops)
    {
        // A fresh show, slot and users for each sequence: sequences share the service, the database and the clock.
        var (showId, seatIds) = fixture.AddShow(Seats);
        var (serviceId, slotStart) = fixture.AddService(Capacity);
        var run = Guid.NewGuid().ToString("N")[..8];
        string UserName(int u) => $"prop-{run}-{u}";
        var holds = new List<ModelHold>();

        foreach (var op in ops)
        {
            var now = fixture.Clock.GetUtcNow().UtcDateTime;
            switch (op)
            {
                case HoldSeats(var user, var seats):
                {
                    var expected = Expect(holds, now, user, h => h.Seats.Intersect(seats).Any());
                    var request = new CreateHoldRequest { ShowId = showId, SeatIds = { seats.Select(s => seatIds[s]) } };
                    await CreateAsync(request, UserName(user), expected, hold => holds.Add(new ModelHold(hold.Id, user, seats, 0, now + HoldTtl)), op);
                    break;
                }
                case HoldPlaces(var user, var quantity):
                {
                    var free = Capacity - holds.Where(h => h.LiveAt(now)).Sum(h => h.Places);
                    var expected = Expect(holds, now, user, _ => quantity > free);
                    var request = new CreateHoldRequest { ServiceId = serviceId, SlotStart = Timestamp.FromDateTime(slotStart), Quantity = quantity };
                    await CreateAsync(request, UserName(user), expected, hold => holds.Add(new ModelHold(hold.Id, user, [], quantity, now + HoldTtl)), op);
                    break;
                }
                case Release(var nth) when holds.Count > 0:
                {
                    var hold = holds[nth % holds.Count];
                    await fixture.Client.ReleaseHoldAsync(new ReleaseHoldRequest { Id = hold.Id }, fixture.As(UserName(hold.User)), cancellationToken: Ct);
                    hold.Released = true;
                    break;
                }
                case Wait(var minutes):
                    fixture.Clock.Advance(TimeSpan.FromMinutes(minutes));
                    break;
                case Sweep:
                    await fixture.Sweeper.SweepAsync(Ct);
                    break;
            }
            await AssertAgreesAsync(showId, seatIds, serviceId, slotStart, holds, fixture.Clock.GetUtcNow().UtcDateTime, op);
        }
    }

    /// <summary>What the service must answer: the active-hold limit is checked before availability.</summary>
    private static string? Expect(List<ModelHold> holds, DateTime now, int user, Func<ModelHold, bool> conflicts)
    {
        if (holds.Count(h => h.User == user && h.LiveAt(now)) >= BookingFixture.MaxActiveHolds) return "TOO_MANY_HOLDS";
        return holds.Where(h => h.LiveAt(now)).Any(conflicts) ? "TAKEN" : null;
    }

    private async Task CreateAsync(CreateHoldRequest request, string user, string? expected, Action<Hold> granted, Op op)
    {
        try
        {
            var hold = await fixture.Client.CreateHoldAsync(request, fixture.As(user), cancellationToken: Ct);
            Assert.True(expected is null, $"{op}: the service granted a hold the model refuses ({expected})");
            granted(hold);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            var reason = Errors.Reason(e);
            var actual = reason is "SEATS_TAKEN" or "SLOT_FULL" ? "TAKEN" : reason;
            Assert.True(expected == actual, $"{op}: the service refused with {reason}, the model expects {expected ?? "a hold"}");
        }
    }

    private async Task AssertAgreesAsync(string showId, IReadOnlyList<string> seatIds, string serviceId, DateTime slotStart, List<ModelHold> holds, DateTime now, Op after)
    {
        var live = holds.Where(h => h.LiveAt(now)).ToList();
        var expectedHeld = live.SelectMany(h => h.Seats).Select(s => seatIds[s]).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expectedHeld.Count, expectedHeld.Distinct().Count());   // the model itself never double-holds
        var status = await fixture.Client.ListSeatStatusAsync(new ListSeatStatusRequest { ShowId = showId }, cancellationToken: Ct);
        var held = status.Seats.Where(s => s.State == SeatState.SeatHeld).Select(s => s.SeatId).Order(StringComparer.Ordinal).ToList();
        Assert.True(expectedHeld.SequenceEqual(held), $"after {after}: seats held [{string.Join(",", held)}], the model holds [{string.Join(",", expectedHeld)}]");

        var usage = await fixture.Client.ListSlotUsageAsync(new ListSlotUsageRequest
        {
            ServiceId = serviceId, From = Timestamp.FromDateTime(slotStart), To = Timestamp.FromDateTime(slotStart.AddHours(1)),
        }, cancellationToken: Ct);
        var taken = usage.Slots.Where(s => s.SlotStart.ToDateTime() == slotStart).Sum(s => s.Taken);
        Assert.True(live.Sum(h => h.Places) == taken, $"after {after}: {taken} places taken, the model has {live.Sum(h => h.Places)}");
        Assert.InRange(taken, 0, Capacity);
    }
}
