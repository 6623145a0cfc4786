// The analytics service: click events and business events on one RabbitMQ stream; trending, user histories and funnels
// read from it by a consumer with stored offsets; fraud and bot rules that users, booking and payment consult.
// Composition only; the parts are in AnalyticsComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAnalytics();             // store (analyticsdb), Redis windows, the stream (messaging): ingestion, the aggregating consumer, risk rules

var app = builder.Build();
await app.MigrateAnalyticsDatabaseAsync();   // Migrations/*.sql in order
app.MapAnalytics();                 // gRPC mesh.analytics.v1.Analytics (+ REST by JSON transcoding)
app.MapDefaultEndpoints();
app.Run();
