// The rating service: verified reviews of products, services, events and venues, live aggregates (cached in Redis),
// top-rated lists, helpful votes and moderation. Composition only; the parts are in RatingComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddRating();                // store (ratingdb), aggregate cache (Redis), booking and catalog clients, token validation
builder.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Rating.Events.RatingChanged.Queues); // rating.changed → RabbitMQ (the catalog's summaries)

var app = builder.Build();
await app.MigrateRatingDatabaseAsync();   // Migrations/*.sql in order, the outbox tables
app.MapRating();                    // gRPC mesh.rating.v1.Rating (+ REST by JSON transcoding)
app.MapDefaultEndpoints();
app.Run();
