// The mesh's benchmarks on the official gRPC stack (docs/performance.md has the commands, the method and the numbers).
// The run-*.sh scripts beside this file drive these modes (./mesh bench defaults|edge|booking):
//   Mesh.Benchmarks defaults-server --kind bare|full [--key-pem FILE]   catalog GetShow from memory, bare vs service defaults
//   Mesh.Benchmarks defaults-bodies --out DIR                           get-show.bin, bearer.txt, key.pem for h2load
//   Mesh.Benchmarks token-allocations [--calls N]                     bytes and CPU per request on the token path, in process
//   Mesh.Benchmarks otlp-sink                                           OTLP/HTTP receiver that drops everything
//   Mesh.Benchmarks edge-backend --port G [--http-port H] [--kind mesh|bare] | edge-gateway --backend HTTP_URL
//                   | edge-null-proxy --backend GRPC_URL | edge-bodies --out DIR  (run-edge.sh)
//   Mesh.Benchmarks booking-load [--seconds S] [--warmup S] [--concurrency C] [--pgbench-clients C] [--pgbench-seconds S]
//                               [--statements] [--replay] [--work DIR]  (run-booking.sh: bookings/s end to end vs pgbench)
//   Mesh.Benchmarks coupon-load [--seconds S] [--warmup S] [--concurrency C] [--rounds R] [--work DIR]
//                               (run-booking.sh --coupon: checkout with a coupon vs without, same run)
//   Mesh.Benchmarks support-chat [--conversations N] [--agents A] [--seconds S] [--warmup S] [--work DIR]
//                               (run-support.sh: chat messages/s through one support replica, delivery p99 customer → agent)
//   Mesh.Benchmarks rating-load [--seconds S] [--warmup S] [--rounds R] [--concurrency C] [--items N] [--work DIR]
//                               (run-rating.sh: GET /v1/{item}/rating cached vs uncached, same run)
//   Mesh.Benchmarks feed-load [--seconds S] [--warmup S] [--rounds R] [--concurrency C] [--work DIR]
//                               (run-feed.sh: GetFeed cached vs uncached with C signed-in users, then SelectAds p99)
//   Mesh.Benchmarks notification-broadcast [--users N] [--batch B] [--interval MS] [--work DIR]
//                               (run-notification.sh: broadcast notifications/s into the inbox, single-event latency during it)
//   Mesh.Benchmarks analytics-load [--seconds S] [--producers P] [--risk-rate N] [--driver-process] [--work DIR]
//                   | analytics-risk-driver --address GRPC_URL [--risk-rate N] [--seconds S]
//                               (run-analytics.sh: sustained ingestion with the consumer caught up; CheckRisk p99 at N/s)
using Mesh.Benchmarks.Booking;
using Mesh.Benchmarks.Defaults;
using Mesh.Benchmarks.Edge;
using Mesh.Benchmarks.Rating;

return args.FirstOrDefault() switch
{
    "defaults-server" => await DefaultsServers.RunAsync(args[1..]),
    "defaults-bodies" => DefaultsBodies.Write(args[1..]),
    "token-allocations" => await TokenPathAllocations.RunAsync(args[1..]),
    "otlp-sink" => await OtlpSink.RunAsync(),
    "edge-backend" => await EdgeBackendServer.RunAsync(EdgeOptions.Parse(args[1..])),
    "edge-gateway" => await EdgeGatewayServer.RunAsync(EdgeOptions.Parse(args[1..])),
    "edge-null-proxy" => await NullProxyServer.RunAsync(EdgeOptions.Parse(args[1..])),
    "edge-bodies" => EdgeBodies.Write(EdgeOptions.Parse(args[1..])),
    "booking-load" => await BookingLoad.RunAsync(BookingLoadOptions.Parse(args[1..])),
    "coupon-load" => await CouponLoad.RunAsync(CouponLoad.Options.Parse(args[1..])),
    "support-chat" => await Mesh.Benchmarks.Support.ChatLoad.RunAsync(Mesh.Benchmarks.Support.ChatLoad.Options.Parse(args[1..])),
    "rating-load" => await RatingLoad.RunAsync(args[1..]),
    "feed-load" => await Mesh.Benchmarks.Feed.FeedLoad.RunAsync(args[1..]),
    "notification-broadcast" => await Mesh.Benchmarks.Notification.BroadcastLoad.RunAsync(Mesh.Benchmarks.Notification.BroadcastLoad.Options.Parse(args[1..])),
    "analytics-load" => await Mesh.Benchmarks.Analytics.AnalyticsLoad.RunAsync(args[1..]),
    "analytics-risk-driver" => await Mesh.Benchmarks.Analytics.AnalyticsLoad.DriveRiskAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Mesh.Benchmarks defaults-server|defaults-bodies|token-allocations|otlp-sink|edge-backend|edge-gateway|edge-null-proxy|edge-bodies|booking-load|coupon-load|rating-load|feed-load|analytics-load|analytics-risk-driver|support-chat|notification-broadcast … (see Program.cs)");
    return 2;
}
