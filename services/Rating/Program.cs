// The rating service: verified reviews of products, services, events and venues, live aggregates (cached in Redis),
// top-rated lists, helpful votes and moderation. Composition only; the parts are in RatingComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddRating();                // store (ratingdb), aggregate cache (Redis), booking and catalog clients, token validation

var app = builder.Build();
await app.MigrateRatingDatabaseAsync();   // Migrations/*.sql in order
app.MapRating();                    // gRPC mesh.rating.v1.Rating (+ REST by JSON transcoding)
app.MapDefaultEndpoints();
app.Run();
