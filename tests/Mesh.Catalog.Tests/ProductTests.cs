using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;
using Npgsql;

namespace Mesh.Catalog.Tests;

/// <summary>
/// Products: partners manage their own venue's products (admins anyone's), everyone reads; stock reservations take
/// stock all-or-nothing, once per reservation id, and never below zero however many callers race.
/// </summary>
public sealed class ProductTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Mesh.Catalog.V1.Catalog.CatalogClient Client => fixture.Client;

    [Fact]
    public async Task Partner_creates_reads_updates_by_mask_and_deletes_own_product()
    {
        var (venue, created) = await ProductBuilders.CreateAsync(fixture, fixture.AsPartnerA);
        Assert.True(Guid.TryParse(created.Id, out _));
        Assert.Equal((venue.Id, "berlin", CatalogFixture.PartnerA, true, 100L), (created.VenueId, created.CityId, created.OwnerId, created.Active, created.Stock));

        var read = await Client.GetProductAsync(new GetProductRequest { Id = created.Id }, cancellationToken: Ct);   // anonymous read
        Assert.Equal(("Popcorn", 450L, "EUR"), (read.Name, read.PriceMinor, read.Currency));

        // Only the masked field changes, although the body carries other values.
        var updated = await Client.UpdateProductAsync(new UpdateProductRequest
        {
            Id = created.Id, Product = new Product { PriceMinor = 500, Name = "ignored" }, UpdateMask = new FieldMask { Paths = { "price_minor" } },
        }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Equal((500L, "Popcorn", 100L, true), (updated.PriceMinor, updated.Name, updated.Stock, updated.Active));

        await Client.DeleteProductAsync(new DeleteProductRequest { Id = created.Id }, fixture.AsPartnerA, cancellationToken: Ct);
        var gone = await Assert.ThrowsAsync<RpcException>(() => Client.GetProductAsync(new GetProductRequest { Id = created.Id }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Partner_B_cannot_change_partner_A_products_admin_can_customers_cannot_create()
    {
        var (venue, product) = await ProductBuilders.CreateAsync(fixture, fixture.AsPartnerA);
        var patch = new UpdateProductRequest { Id = product.Id, Product = new Product { Stock = 1 }, UpdateMask = new FieldMask { Paths = { "stock" } } };
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => Client.UpdateProductAsync(patch, fixture.AsPartnerB, cancellationToken: Ct).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() =>
            Client.DeleteProductAsync(new DeleteProductRequest { Id = product.Id }, fixture.AsPartnerB, cancellationToken: Ct).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() =>
            Client.CreateProductAsync(new CreateProductRequest { VenueId = venue.Id, Product = ProductBuilders.Product() }, fixture.AsPartnerB, cancellationToken: Ct).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() =>
            Client.CreateProductAsync(new CreateProductRequest { VenueId = venue.Id, Product = ProductBuilders.Product() }, fixture.AsCustomer, cancellationToken: Ct).ResponseAsync)).StatusCode);
        Assert.Equal(100, (await Client.GetProductAsync(new GetProductRequest { Id = product.Id }, cancellationToken: Ct)).Stock);

        var byAdmin = await Client.UpdateProductAsync(patch, fixture.AsAdmin, cancellationToken: Ct);
        Assert.Equal((1L, CatalogFixture.PartnerA), (byAdmin.Stock, byAdmin.OwnerId));
    }

    [Fact]
    public async Task Listing_filters_pages_stably_and_leaves_out_inactive_products()
    {
        var venue = await Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue("paris") }, fixture.AsPartnerB, cancellationToken: Ct);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
            ids.Add((await Client.CreateProductAsync(new CreateProductRequest { VenueId = venue.Id, Product = ProductBuilders.Product($"Item {i}", i < 3 ? "snacks" : "drinks") }, fixture.AsPartnerB, cancellationToken: Ct)).Id);
        await Client.UpdateProductAsync(new UpdateProductRequest { Id = ids[4], Product = new Product { Active = false }, UpdateMask = new FieldMask { Paths = { "active" } } }, fixture.AsPartnerB, cancellationToken: Ct);

        var seen = new List<string>();
        var request = new ListProductsRequest { Venue = venue.Id, PageSize = 2 };
        for (var page = 0; page < 10; page++)
        {
            var response = await Client.ListProductsAsync(request, cancellationToken: Ct);
            seen.AddRange(response.Products.Select(p => p.Id));
            if (response.NextPageToken.Length == 0) break;
            request = new ListProductsRequest { Venue = venue.Id, PageSize = 2, PageToken = response.NextPageToken };
        }
        Assert.Equal(ids.Take(4), seen);   // creation order, each once, the inactive one left out

        var snacks = await Client.ListProductsAsync(new ListProductsRequest { Venue = venue.Id, Category = "snacks" }, cancellationToken: Ct);
        Assert.Equal(ids.Take(3), snacks.Products.Select(p => p.Id));
        var paris = await Client.ListProductsAsync(new ListProductsRequest { City = "paris", PageSize = 100 }, cancellationToken: Ct);
        Assert.All(paris.Products, p => Assert.Equal("paris", p.CityId));
        Assert.Contains(paris.Products, p => p.Id == ids[0]);
    }

    [Fact]
    public async Task Fifty_concurrent_reservations_never_take_stock_below_zero()
    {
        var (_, product) = await ProductBuilders.CreateAsync(fixture, fixture.AsPartnerA, stock: 20);
        var attempts = Enumerable.Range(0, 50).Select(async _ =>
        {
            try
            {
                await Client.ReserveProductStockAsync(ProductBuilders.Reserve(Guid.NewGuid(), (product.Id, 1)), fixture.AsCustomer, cancellationToken: Ct);
                return "reserved";
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                return e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? "?";
            }
        });
        var outcomes = await Task.WhenAll(attempts);
        Assert.Equal(20, outcomes.Count(o => o == "reserved"));
        Assert.Equal(30, outcomes.Count(o => o == "OUT_OF_STOCK"));
        Assert.Equal(0, (await Client.GetProductAsync(new GetProductRequest { Id = product.Id }, cancellationToken: Ct)).Stock);

        // The database itself refuses negative stock, whatever code writes.
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("UPDATE products SET stock = stock - 1 WHERE id = @id", db);
        command.Parameters.AddWithValue("id", Guid.Parse(product.Id));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));
        Assert.Equal("23514", refused.SqlState);
    }

    [Fact]
    public async Task A_full_body_edit_without_a_mask_leaves_stock_to_reservations()
    {
        var (_, product) = await ProductBuilders.CreateAsync(fixture, fixture.AsPartnerA, stock: 10);
        var readBefore = await Client.GetProductAsync(new GetProductRequest { Id = product.Id }, cancellationToken: Ct);
        await Client.ReserveProductStockAsync(ProductBuilders.Reserve(Guid.NewGuid(), (product.Id, 3)), fixture.AsCustomer, cancellationToken: Ct);

        // The partner sends back the whole product as read (stock 10) with a new name and no mask.
        readBefore.Name = "Popcorn XL";
        var updated = await Client.UpdateProductAsync(new UpdateProductRequest { Id = product.Id, Product = readBefore }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Equal(("Popcorn XL", 7L), (updated.Name, updated.Stock));

        // Naming stock sets it (a restock).
        var restocked = await Client.UpdateProductAsync(new UpdateProductRequest
        {
            Id = product.Id, Product = new Product { Stock = 50 }, UpdateMask = new FieldMask { Paths = { "stock" } },
        }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Equal(50L, restocked.Stock);
    }

    [Fact]
    public async Task Edits_that_do_not_name_stock_never_undo_concurrent_reservations()
    {
        var (_, product) = await ProductBuilders.CreateAsync(fixture, fixture.AsPartnerA, stock: 100);
        var reservations = Enumerable.Range(0, 40).Select(_ =>
            Client.ReserveProductStockAsync(ProductBuilders.Reserve(Guid.NewGuid(), (product.Id, 1)), fixture.AsCustomer, cancellationToken: Ct).ResponseAsync);
        var edits = Enumerable.Range(0, 20).Select(i => Client.UpdateProductAsync(new UpdateProductRequest
        {
            Id = product.Id, Product = new Product { Name = $"Popcorn {i}", Stock = 100 }, UpdateMask = new FieldMask { Paths = { "name" } },
        }, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync);
        await Task.WhenAll(reservations.Cast<Task>().Concat(edits));
        Assert.Equal(60, await StockAsync(product.Id));
    }

    [Fact]
    public async Task A_reservation_is_idempotent_per_id_and_released_once()
    {
        var (_, product) = await ProductBuilders.CreateAsync(fixture, fixture.AsPartnerA, stock: 10);
        var id = Guid.NewGuid();
        var request = ProductBuilders.Reserve(id, (product.Id, 3));

        // Ten concurrent deliveries of the same reservation take the stock once.
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Client.ReserveProductStockAsync(request, fixture.AsCustomer, cancellationToken: Ct).ResponseAsync));
        Assert.All(results, r => Assert.Equal(ProductReservationStatus.Reserved, r.Status));
        Assert.Equal(7, await StockAsync(product.Id));

        var differs = await Assert.ThrowsAsync<RpcException>(() => Client.ReserveProductStockAsync(ProductBuilders.Reserve(id, (product.Id, 4)), fixture.AsCustomer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal("RESERVATION_ID_REUSED", differs.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);

        var release = new ReleaseProductStockRequest { ReservationId = id.ToString() };
        Assert.Equal(ProductReservationStatus.Released, (await Client.ReleaseProductStockAsync(release, fixture.AsCustomer, cancellationToken: Ct)).Status);
        await Client.ReleaseProductStockAsync(release, fixture.AsCustomer, cancellationToken: Ct);
        Assert.Equal(10, await StockAsync(product.Id));

        // A reserve arriving after its release (a late retry) takes nothing.
        var late = await Assert.ThrowsAsync<RpcException>(() => Client.ReserveProductStockAsync(request, fixture.AsCustomer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal("RESERVATION_RELEASED", late.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
        var early = Guid.NewGuid();
        await Client.ReleaseProductStockAsync(new ReleaseProductStockRequest { ReservationId = early.ToString() }, fixture.AsCustomer, cancellationToken: Ct);
        await Assert.ThrowsAsync<RpcException>(() => Client.ReserveProductStockAsync(ProductBuilders.Reserve(early, (product.Id, 1)), fixture.AsCustomer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(10, await StockAsync(product.Id));
    }

    [Fact]
    public async Task A_reservation_takes_every_line_or_none_and_a_reserved_product_cannot_be_deleted()
    {
        var (_, plenty) = await ProductBuilders.CreateAsync(fixture, fixture.AsPartnerA, stock: 10);
        var (_, scarce) = await ProductBuilders.CreateAsync(fixture, fixture.AsPartnerA, stock: 1);
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            Client.ReserveProductStockAsync(ProductBuilders.Reserve(Guid.NewGuid(), (plenty.Id, 2), (scarce.Id, 2)), fixture.AsCustomer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal(scarce.Id, e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Metadata["product_id"]);
        Assert.Equal((10L, 1L), (await StockAsync(plenty.Id), await StockAsync(scarce.Id)));

        await Client.ReserveProductStockAsync(ProductBuilders.Reserve(Guid.NewGuid(), (plenty.Id, 2), (scarce.Id, 1)), fixture.AsCustomer, cancellationToken: Ct);
        Assert.Equal((8L, 0L), (await StockAsync(plenty.Id), await StockAsync(scarce.Id)));
        var delete = await Assert.ThrowsAsync<RpcException>(() => Client.DeleteProductAsync(new DeleteProductRequest { Id = plenty.Id }, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, delete.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() =>
            Client.ReserveProductStockAsync(ProductBuilders.Reserve(Guid.NewGuid(), (plenty.Id, 1)), cancellationToken: Ct).ResponseAsync)).StatusCode);
    }

    [Fact]
    public async Task Products_over_rest_and_stock_reservations_not_at_the_edge()
    {
        var venue = await Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue() }, fixture.AsPartnerA, cancellationToken: Ct);
        using var http = fixture.CreateRestClient();
        var token = fixture.Tokens.Mint(CatalogFixture.PartnerA, "customer", "partner");
        var create = new HttpRequestMessage(HttpMethod.Post, $"/v1/venues/{venue.Id}/products")
        {
            Content = new StringContent("""{"name":"Tote Bag","category":"merchandise","priceMinor":"1500","currency":"EUR","stock":"25"}""", Encoding.UTF8, "application/json"),
        };
        create.Headers.Authorization = new("Bearer", token);
        var created = await http.SendAsync(create, Ct);
        var body = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.IsSuccessStatusCode, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();

        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/v1/products/{id}?updateMask=stock") { Content = new StringContent("""{"stock":"30","name":"ignored"}""", Encoding.UTF8, "application/json") };
        patch.Headers.Authorization = new("Bearer", token);
        var patched = await http.SendAsync(patch, Ct);
        Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync(Ct));

        var list = JsonDocument.Parse(await http.GetStringAsync($"/v1/products?venue={venue.Id}&category=merchandise", Ct)).RootElement.GetProperty("products");
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal(("Tote Bag", "30"), (list[0].GetProperty("name").GetString(), list[0].GetProperty("stock").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/v1/products/{id}", Ct)).StatusCode);

        // The internal stock methods have no route: the edge cannot be used to drain stock.
        var reserve = await http.PostAsync("/mesh.catalog.v1.Catalog/ReserveProductStock", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, reserve.StatusCode);
    }

    private async Task<long> StockAsync(string id) => (await Client.GetProductAsync(new GetProductRequest { Id = id }, cancellationToken: Ct)).Stock;
}
