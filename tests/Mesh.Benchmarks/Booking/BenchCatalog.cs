using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Mesh.Catalog.V1;

namespace Mesh.Benchmarks.Booking;

/// <summary>
/// The catalog contract booking calls during a hold (GetShow, ListShowSeats), served from memory: shows of
/// <see cref="SeatsPerShow"/> seats at one price, made on demand as the load walks through seats. Keeps the
/// measurement on booking + payment + PostgreSQL (the catalog's own cost is its benchmark's business).
/// </summary>
public sealed class BenchCatalog : Mesh.Catalog.V1.Catalog.CatalogBase
{
    public const int SeatsPerShow = 500;
    public const long SeatPrice = 1500;

    private readonly ConcurrentDictionary<string, (Show Show, ListShowSeatsResponse Seats)> _shows = new();
    private readonly List<string> _showIds = [];
    private readonly Lock _gate = new();
    private readonly DateTime _start = DateTime.UtcNow.Date.AddDays(7).AddHours(19);
    private long _nextSeat = -1;

    /// <summary>The next never-sold seat: (show id, seat id), making a new show when the current one is used up.</summary>
    public (string ShowId, string SeatId) NextSeat()
    {
        var n = Interlocked.Increment(ref _nextSeat);
        var showIndex = (int)(n / SeatsPerShow);
        string showId;
        lock (_gate)
        {
            while (_showIds.Count <= showIndex) _showIds.Add(AddShow());
            showId = _showIds[showIndex];
        }
        return (showId, _shows[showId].Seats.Seats[(int)(n % SeatsPerShow)].Id);
    }

    private string AddShow()
    {
        var show = new Show { Id = Guid.NewGuid().ToString(), StartTime = Timestamp.FromDateTime(_start), Currency = "EUR", Status = ShowStatus.Scheduled };
        var seats = new ListShowSeatsResponse();
        for (var i = 0; i < SeatsPerShow; i++)
            seats.Seats.Add(new ShowSeat
            {
                Id = Guid.NewGuid().ToString(), Row = $"R{i / 25 + 1}", Label = $"{i % 25 + 1}", Category = "standard",
                PriceMinor = SeatPrice, Currency = "EUR", Status = SeatStatus.Available,
            });
        _shows[show.Id] = (show, seats);
        return show.Id;
    }

    public override Task<Show> GetShow(GetShowRequest request, ServerCallContext context) =>
        Task.FromResult(_shows.TryGetValue(request.Id, out var s) ? s.Show : throw new RpcException(new Status(StatusCode.NotFound, "no such show")));

    public override Task<ListShowSeatsResponse> ListShowSeats(ListShowSeatsRequest request, ServerCallContext context) =>
        Task.FromResult(_shows.TryGetValue(request.Id, out var s) ? s.Seats : throw new RpcException(new Status(StatusCode.NotFound, "no such show")));
}
