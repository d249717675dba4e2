-- Issue 21: the re-registration bar after a revocation, per qualification
-- (its Act's disqualification clause): years counted from the day of the
-- revocation during which the same person is not registered again; NULL:
-- the Act sets none.
ALTER TABLE qualifications
    ADD COLUMN revocation_bar_years integer CHECK (revocation_bar_years > 0);

-- Certified social workers and care workers (Act No. 30 of 1987, art. 3(iv)),
-- psychiatric social workers (Act No. 131 of 1997, art. 3(iv)) and certified
-- psychologists (Act No. 68 of 2015, art. 3(iv)): two years from the
-- revocation. Care managers (Long-Term Care Insurance Act, art. 69-2): five
-- years from the erasure. Health-insurance doctors and pharmacists (Health
-- Insurance Act, as the reference describes it): five years, where the
-- catalogue has them. Nursery teachers are left without a bar until their
-- amended term is confirmed.
UPDATE qualifications SET revocation_bar_years = 2
WHERE code IN ('CARE_WORKER', 'SOCIAL_WORKER', 'PSYCHIATRIC_SOCIAL_WORKER', 'CERTIFIED_PSYCHOLOGIST');
UPDATE qualifications SET revocation_bar_years = 5
WHERE code IN ('CARE_MANAGER', 'HEALTH_INSURANCE_DOCTOR', 'HEALTH_INSURANCE_PHARMACIST');
