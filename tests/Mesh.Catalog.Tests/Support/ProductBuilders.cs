using Mesh.Catalog.V1;

namespace Mesh.Catalog.Tests.Support;

/// <summary>Valid product requests to start from; tests change one thing.</summary>
public static class ProductBuilders
{
    public static Product Product(string name = "Popcorn", string category = "snacks", long price = 450, long stock = 100) => new()
    {
        Name = name, Description = $"{name}, freshly made.", Category = category, PriceMinor = price, Currency = "EUR", Stock = stock,
    };

    public static async Task<(Venue Venue, Product Product)> CreateAsync(CatalogFixture fixture, Metadata partner, long stock = 100, string city = "berlin", string category = "snacks")
    {
        var ct = TestContext.Current.CancellationToken;
        var venue = await fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue(city) }, partner, cancellationToken: ct);
        var product = await fixture.Client.CreateProductAsync(new CreateProductRequest { VenueId = venue.Id, Product = Product(stock: stock, category: category) }, partner, cancellationToken: ct);
        return (venue, product);
    }

    public static ReserveProductStockRequest Reserve(Guid reservationId, params (string ProductId, long Quantity)[] lines)
    {
        var request = new ReserveProductStockRequest { ReservationId = reservationId.ToString() };
        request.Lines.AddRange(lines.Select(l => new ProductQuantity { ProductId = l.ProductId, Quantity = l.Quantity }));
        return request;
    }
}
