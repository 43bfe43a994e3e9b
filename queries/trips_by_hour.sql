-- Trips dashboard: trips and average fare per hour of day (0-23), over the filtered trips.
-- @param start_date DATE = '2016-01-01'
-- @param end_date DATE = '2016-02-29'
-- @param min_distance DOUBLE = 0
-- @param max_distance DOUBLE = NULL
-- @param pickup_zip INT = NULL
-- @param dropoff_zip INT = NULL
-- @param pickup_hour INT = NULL
-- @param pickup_day DATE = NULL
-- @run_as app
-- @cache_ttl 600
SELECT hour(tpep_pickup_datetime) AS pickup_hour, count(*) AS trips, avg(fare_amount) AS average_fare
FROM samples.nyctaxi.trips
WHERE to_date(tpep_pickup_datetime) BETWEEN :start_date AND :end_date
  AND trip_distance >= :min_distance
  AND (:max_distance IS NULL OR trip_distance <= :max_distance)
  AND (:pickup_zip IS NULL OR pickup_zip = :pickup_zip)
  AND (:dropoff_zip IS NULL OR dropoff_zip = :dropoff_zip)
  AND (:pickup_hour IS NULL OR hour(tpep_pickup_datetime) = :pickup_hour)
  AND (:pickup_day IS NULL OR to_date(tpep_pickup_datetime) = :pickup_day)
GROUP BY 1
ORDER BY 1
