// The catalog service: cities, venues with seat maps, events and shows, bookable services. Composition only; the
// parts are in CatalogComposition.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddCatalog();               // store (catalogdb), Redis cache-aside (cache), seat availability seam, token validation

var app = builder.Build();
await app.MigrateCatalogDatabaseAsync();   // Migrations/*.sql in order, then demo data when enabled and empty
app.MapCatalog();                   // gRPC mesh.catalog.v1.Catalog
app.MapDefaultEndpoints();
app.Run();
