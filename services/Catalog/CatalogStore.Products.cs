using Dapper;
using Mesh.Catalog.Changes;
using Mesh.Catalog.Domain;
using Npgsql;

namespace Mesh.Catalog;

/// <summary>Products and their stock: the SQL of the product half of the catalog.</summary>
public sealed partial class CatalogStore
{
    private const string ProductColumns = """
        p.id, p.venue_id AS VenueId, p.city_id AS CityId, p.name, p.description, p.category, p.price_minor AS PriceMinor,
        p.currency, p.stock, p.active, p.create_time AS CreateTime, p.update_time AS UpdateTime, v.owner_id AS OwnerId
        """;

    public async Task CreateProductAsync(ProductRow product)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("""
            INSERT INTO products (id, venue_id, city_id, name, description, category, price_minor, currency, stock, active, create_time, update_time)
            VALUES (@Id, @VenueId, @CityId, @Name, @Description, @Category, @PriceMinor, @Currency, @Stock, @Active, @CreateTime, @UpdateTime)
            """, product, transaction);
        await changes.AddAsync(transaction, new CatalogChanged(CatalogChanged.Product, product.Id, [], SearchesChanged: false));
        await transaction.CommitAsync();
    }

    public async Task<ProductRow?> FindProductAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<ProductRow>($"SELECT {ProductColumns} FROM products p JOIN venues v ON v.id = p.venue_id WHERE p.id = @id", new { id });
    }

    /// <summary>Active products of a city / venue / category in id order (v7: creation order), after the cursor id.</summary>
    public async Task<IReadOnlyList<ProductRow>> ListProductsAsync(string? city, Guid? venue, string? category, Guid? afterId, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<ProductRow>($"""
            SELECT {ProductColumns} FROM products p JOIN venues v ON v.id = p.venue_id
            WHERE p.active
              AND (@city::text IS NULL OR p.city_id = @city) AND (@venue::uuid IS NULL OR p.venue_id = @venue)
              AND (@category::text IS NULL OR p.category = @category)
              AND (@afterId::uuid IS NULL OR p.id > @afterId::uuid)
            ORDER BY p.id LIMIT @limit
            """, new { city, venue, category, afterId, limit })).AsList();
    }

    /// <summary>
    /// Writes the mutable columns of the product (the API merged the update mask already). Stock is written only when
    /// the caller set it: a copy read before a concurrent reservation must not put that reservation's units back.
    /// </summary>
    public async Task<ProductRow?> UpdateProductAsync(ProductRow product, bool setStock)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var updated = await connection.ExecuteAsync("""
            UPDATE products SET name = @Name, description = @Description, category = @Category, price_minor = @PriceMinor,
                currency = @Currency, stock = CASE WHEN @setStock THEN @Stock ELSE stock END, active = @Active, update_time = @UpdateTime
            WHERE id = @Id
            """, new { product.Id, product.Name, product.Description, product.Category, product.PriceMinor, product.Currency, product.Stock, product.Active, product.UpdateTime, setStock },
            transaction);
        if (updated == 0) return null;
        await changes.AddAsync(transaction, new CatalogChanged(CatalogChanged.Product, product.Id, [], SearchesChanged: false));
        await transaction.CommitAsync();
        return await FindProductAsync(product.Id);
    }

    public async Task<DeleteOutcome> DeleteProductAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            if (await connection.ExecuteAsync("DELETE FROM products WHERE id = @id", new { id }, transaction) == 0) return DeleteOutcome.NotFound;
            await changes.AddAsync(transaction, new CatalogChanged(CatalogChanged.Product, id, [], SearchesChanged: false));
            await transaction.CommitAsync();
            return DeleteOutcome.Deleted;
        }
        catch (PostgresException e) when (e.SqlState == ForeignKeyViolation)
        {
            return DeleteOutcome.InUse;   // reservations refer to it
        }
    }

    /// <summary>
    /// Takes stock for every line or none, once per reservation id. The reservation row is claimed first (a
    /// concurrent duplicate waits on it, then sees it); each line is a conditional decrement (stock >= quantity),
    /// in product-id order so two reservations never deadlock, with the CHECK (stock >= 0) as the backstop.
    /// </summary>
    public async Task<ReserveResult> ReserveStockAsync(Guid reservationId, IReadOnlyList<ProductLine> lines)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var claimed = await connection.ExecuteAsync(
            "INSERT INTO product_reservations (id, status) VALUES (@reservationId, 'reserved') ON CONFLICT (id) DO NOTHING", new { reservationId }, transaction);
        if (claimed == 0)
        {
            var existing = await ReadReservationAsync(connection, transaction, reservationId);
            var outcome = existing!.Status == "released" ? ReserveOutcome.AlreadyReleased
                : SameLines(existing.Lines, lines) ? ReserveOutcome.AlreadyReserved : ReserveOutcome.DifferentLines;
            return new ReserveResult(outcome, existing);
        }
        foreach (var line in lines.OrderBy(l => l.ProductId))
        {
            var taken = await connection.ExecuteAsync(
                "UPDATE products SET stock = stock - @Quantity WHERE id = @ProductId AND active AND stock >= @Quantity", line, transaction);
            if (taken == 1)
            {
                await connection.ExecuteAsync("INSERT INTO product_reservation_lines (reservation_id, product_id, quantity) VALUES (@reservationId, @ProductId, @Quantity)",
                    new { reservationId, line.ProductId, line.Quantity }, transaction);
                continue;
            }
            var exists = await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM products WHERE id = @ProductId AND active)", line, transaction);
            await transaction.RollbackAsync();   // nothing taken, and the id stays free for a retry once stock is back
            return new ReserveResult(exists ? ReserveOutcome.OutOfStock : ReserveOutcome.UnknownProduct, null, line.ProductId);
        }
        await transaction.CommitAsync();
        return new ReserveResult(ReserveOutcome.Reserved, new ReservationState(reservationId, "reserved", lines));
    }

    /// <summary>Gives a reservation's stock back once; an unknown id is recorded as released (a tombstone).</summary>
    public async Task<ReservationState> ReleaseStockAsync(Guid reservationId)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(
            "INSERT INTO product_reservations (id, status) VALUES (@reservationId, 'released') ON CONFLICT (id) DO NOTHING", new { reservationId }, transaction);
        var released = await connection.ExecuteAsync(
            "UPDATE product_reservations SET status = 'released', update_time = now() WHERE id = @reservationId AND status = 'reserved'", new { reservationId }, transaction);
        var state = await ReadReservationAsync(connection, transaction, reservationId);
        if (released == 1)
            foreach (var line in state!.Lines)   // product-id order, like reserves, so the two never deadlock
                await connection.ExecuteAsync("UPDATE products SET stock = stock + @Quantity WHERE id = @ProductId", line, transaction);
        await transaction.CommitAsync();
        return state!;
    }

    public async Task<long?> ProductStockAsync(Guid id)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long?>("SELECT stock FROM products WHERE id = @id", new { id });
    }

    private static async Task<ReservationState?> ReadReservationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id)
    {
        var status = await connection.ExecuteScalarAsync<string?>("SELECT status FROM product_reservations WHERE id = @id", new { id }, transaction);
        if (status is null) return null;
        var lines = (await connection.QueryAsync<(Guid ProductId, long Quantity)>(
            "SELECT product_id, quantity FROM product_reservation_lines WHERE reservation_id = @id ORDER BY product_id", new { id }, transaction))
            .Select(l => new ProductLine(l.ProductId, l.Quantity)).ToList();
        return new ReservationState(id, status, lines);
    }

    private static bool SameLines(IReadOnlyList<ProductLine> stored, IReadOnlyList<ProductLine> requested) =>
        stored.OrderBy(l => l.ProductId).SequenceEqual(requested.OrderBy(l => l.ProductId));
}
