// The ads service: partners' campaigns, approved by staff; per feed slot a second-price auction among the eligible
// campaigns, paced evenly through the day, capped per viewer; impressions and clicks billed exactly once within the
// day's budget. Composition only; the parts are in AdsComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAds();                   // store (adsdb), options, token validation
builder.AddOutboxRelay("messaging"); // ad.impression / ad.clicked → mesh.events (analytics counts them)

var app = builder.Build();
await app.MigrateAdsDatabaseAsync(); // Migrations/*.sql in order, the outbox tables
app.MapAds();                        // gRPC mesh.ads.v1.Ads (+ REST by JSON transcoding)
app.MapDefaultEndpoints();
app.Run();
