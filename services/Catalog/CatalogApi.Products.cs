using Google.Protobuf.WellKnownTypes;
using Mesh.Catalog.Domain;
using Mesh.Catalog.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Catalog;

/// <summary>Products (add-ons such as snacks or merchandise): partner CRUD, public reads, and stock reservations for booking.</summary>
public sealed partial class CatalogApi
{
    private static readonly string[] ProductPaths = ["name", "description", "category", "price_minor", "currency", "stock", "active"];
    // An empty mask leaves stock alone: a full body read before reservations were made must not put their stock back.
    private static readonly string[] ProductPathsWithoutStock = [.. ProductPaths.Where(p => p != "stock")];
    private const int MaxReservationLines = 50;

    public override async Task<Product> CreateProduct(CreateProductRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var venueId = FieldViolations.RequireUuid("venue_id", request.VenueId);
        var violations = new FieldViolations();
        if (request.Product is null) violations.Add("product", "is required").ThrowIfAny();
        CheckProductFields(request.Product!, violations);
        violations.ThrowIfAny();

        var venue = await store.FindVenueAsync(venueId) ?? throw NotFound("venue", request.VenueId);
        RequireOwner(user, venue.OwnerId, "venue");
        var now = time.GetUtcNow().UtcDateTime;
        var p = request.Product!;
        var row = new ProductRow
        {
            Id = Guid.CreateVersion7(), VenueId = venueId, CityId = venue.CityId, OwnerId = venue.OwnerId, Name = p.Name.Trim(), Description = p.Description,
            Category = p.Category, PriceMinor = p.PriceMinor, Currency = p.Currency, Stock = p.Stock, Active = true, CreateTime = now, UpdateTime = now,
        };
        await store.CreateProductAsync(row);
        return ToProto(row);
    }

    public override async Task<Product> GetProduct(GetProductRequest request, ServerCallContext context)
    {
        var id = FieldViolations.RequireUuid("id", request.Id);
        var product = ToProto(await store.FindProductAsync(id) ?? throw NotFound("product", request.Id));
        await WithRatingsAsync([product], "products", p => p.Id, (p, r) => p.Rating = r, context);
        return product;
    }

    public override async Task<ListProductsResponse> ListProducts(ListProductsRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        violations.Check("page_size", request.PageSize is < 0 or > MaxPageSize ? $"must be 0-{MaxPageSize}" : null);
        Guid? venue = request.Venue.Length > 0 ? violations.Uuid("venue", request.Venue) : null;
        violations.ThrowIfAny();
        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var fingerprint = PageToken.Fingerprint("products", request.City, venue, request.Category);
        Guid? afterId = null;
        if (request.PageToken.Length > 0)
            afterId = (PageToken.TryDecode(request.PageToken, fingerprint) ?? throw Invalid("page_token", "is not a token from a previous page of this list")).AfterId;
        var rows = await store.ListProductsAsync(NullIfEmpty(request.City), venue, NullIfEmpty(request.Category), afterId, size + 1);
        var response = new ListProductsResponse();
        response.Products.AddRange(rows.Take(size).Select(ToProto));
        await WithRatingsAsync(response.Products, "products", p => p.Id, (p, r) => p.Rating = r, context);
        if (rows.Count > size) response.NextPageToken = new PageToken(DateTime.UnixEpoch, rows[size - 1].Id, fingerprint).Encode();
        return response;
    }

    public override async Task<Product> UpdateProduct(UpdateProductRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var id = FieldViolations.RequireUuid("id", request.Id);
        var violations = new FieldViolations();
        if (request.Product is null) violations.Add("product", "is required").ThrowIfAny();
        var mask = UpdateMask.Parse(request.UpdateMask, ProductPaths, violations, ProductPathsWithoutStock);
        violations.ThrowIfAny();

        var existing = await store.FindProductAsync(id) ?? throw NotFound("product", request.Id);
        RequireOwner(user, existing.OwnerId, "venue");
        var merged = ToProto(existing);
        var patch = request.Product!;
        if (mask.Has("name")) merged.Name = patch.Name;
        if (mask.Has("description")) merged.Description = patch.Description;
        if (mask.Has("category")) merged.Category = patch.Category;
        if (mask.Has("price_minor")) merged.PriceMinor = patch.PriceMinor;
        if (mask.Has("currency")) merged.Currency = patch.Currency;
        if (mask.Has("stock")) merged.Stock = patch.Stock;
        if (mask.Has("active")) merged.Active = patch.Active;
        CheckProductFields(merged, violations);
        violations.ThrowIfAny();

        existing.Name = merged.Name.Trim();
        existing.Description = merged.Description;
        existing.Category = merged.Category;
        existing.PriceMinor = merged.PriceMinor;
        existing.Currency = merged.Currency;
        existing.Stock = merged.Stock;
        existing.Active = merged.Active;
        existing.UpdateTime = time.GetUtcNow().UtcDateTime;
        return ToProto(await store.UpdateProductAsync(existing, setStock: mask.Has("stock")) ?? throw NotFound("product", request.Id));
    }

    public override async Task<Empty> DeleteProduct(DeleteProductRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var id = FieldViolations.RequireUuid("id", request.Id);
        var existing = await store.FindProductAsync(id) ?? throw NotFound("product", request.Id);
        RequireOwner(user, existing.OwnerId, "venue");
        return await store.DeleteProductAsync(id) switch
        {
            DeleteOutcome.InUse => throw CatalogErrors.ProductReserved(id),
            DeleteOutcome.NotFound => throw NotFound("product", request.Id),
            _ => new Empty(),
        };
    }

    public override async Task<ProductReservation> ReserveProductStock(ReserveProductStockRequest request, ServerCallContext context)
    {
        context.RequireUser();   // booking forwards its caller's token
        var violations = new FieldViolations();
        var reservationId = violations.Uuid("reservation_id", request.ReservationId);
        if (request.Lines.Count is 0 or > MaxReservationLines) violations.Add("lines", $"must have 1-{MaxReservationLines} lines");
        var lines = new List<ProductLine>();
        var seen = new HashSet<Guid>();
        for (var i = 0; i < request.Lines.Count; i++)
        {
            var productId = violations.Uuid($"lines[{i}].product_id", request.Lines[i].ProductId);
            if (productId is { } pid && !seen.Add(pid)) violations.Add($"lines[{i}].product_id", "repeats a product of an earlier line");
            if (request.Lines[i].Quantity is < 1 or > 1000) violations.Add($"lines[{i}].quantity", "must be 1-1000");
            if (productId is { } valid) lines.Add(new ProductLine(valid, request.Lines[i].Quantity));
        }
        violations.ThrowIfAny();

        var result = await store.ReserveStockAsync(reservationId!.Value, lines);
        return result.Outcome switch
        {
            ReserveOutcome.Reserved or ReserveOutcome.AlreadyReserved => ToProto(result.State!),
            ReserveOutcome.AlreadyReleased => throw CatalogErrors.ReservationReleased(reservationId.Value),
            ReserveOutcome.DifferentLines => throw CatalogErrors.ReservationDiffers(reservationId.Value),
            ReserveOutcome.OutOfStock => throw CatalogErrors.OutOfStock(result.Short!.Value),
            _ => throw Invalid($"lines[{lines.FindIndex(l => l.ProductId == result.Short)}].product_id", "does not name an active product"),
        };
    }

    public override async Task<ProductReservation> ReleaseProductStock(ReleaseProductStockRequest request, ServerCallContext context)
    {
        context.RequireUser();
        var reservationId = FieldViolations.RequireUuid("reservation_id", request.ReservationId);
        return ToProto(await store.ReleaseStockAsync(reservationId));
    }

    private static void CheckProductFields(Product p, FieldViolations violations) => violations
        .Check("product.name", p.Name.Trim().Length is 0 or > 200 ? "must be 1-200 characters" : null)
        .Check("product.description", p.Description.Length > 2000 ? "must be at most 2000 characters" : null)
        .Check("product.category", Slug().IsMatch(p.Category) ? null : "must be 1-40 of a-z, 0-9, '-' or '_' (e.g. snacks, merchandise)")
        .Check("product.price_minor", p.PriceMinor < 0 ? "must be at least 0" : null)
        .Check("product.currency", CurrencyCode().IsMatch(p.Currency) ? null : "must be an ISO 4217 code such as EUR")
        .Check("product.stock", p.Stock < 0 ? "must be at least 0" : null);

    private static Product ToProto(ProductRow p) => new()
    {
        Id = p.Id.ToString(), VenueId = p.VenueId.ToString(), CityId = p.CityId, Name = p.Name, Description = p.Description, Category = p.Category,
        PriceMinor = p.PriceMinor, Currency = p.Currency, Stock = p.Stock, Active = p.Active, OwnerId = p.OwnerId,
        CreateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(p.CreateTime, DateTimeKind.Utc)),
        UpdateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(p.UpdateTime, DateTimeKind.Utc)),
    };

    private static ProductReservation ToProto(ReservationState r)
    {
        var reservation = new ProductReservation
        {
            ReservationId = r.Id.ToString(), Status = r.Status == "released" ? ProductReservationStatus.Released : ProductReservationStatus.Reserved,
        };
        reservation.Lines.AddRange(r.Lines.Select(l => new ProductQuantity { ProductId = l.ProductId.ToString(), Quantity = l.Quantity }));
        return reservation;
    }
}
