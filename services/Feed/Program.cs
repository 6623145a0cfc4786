// The feed service: a city's home feed made from the other services' answers (analytics, catalog, rating, booking,
// ads), each asked with a deadline; what fails is left out and named, never a 5xx. Composition only; the parts are in
// FeedComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddFeed();                  // bookings seen (feeddb), feed cache (Redis), upstream clients, booking events consumer

var app = builder.Build();
await app.MigrateFeedDatabaseAsync(); // Migrations/*.sql in order, the inbox tables
app.MapFeed();                      // gRPC mesh.feed.v1.Feed (+ REST by JSON transcoding)
app.MapDefaultEndpoints();
app.Run();
